/**
 * The rotation policy of a repository, `.secrets/rotation.yaml` (schema.ts): read, checked, its
 * defaults filled and durations turned into seconds, and matched against secret paths. A file that
 * is missing is an empty policy (no secret rotates); an invalid one is kind `config`, naming the
 * field, never a value. The first rule whose `path` matches a secret is the one that applies, as in
 * `.sops.yaml`'s creation rules, so a specific rule goes before a broad one.
 *
 * `path` globs: `*` matches any run of characters within one segment, `**` any number of whole
 * segments (none included); everything else is literal.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseDurationSeconds } from "../auth/policy/duration.js";
import { SecretsError } from "../errors.js";
import { confinedPath } from "../io/confine.js";
import { parseYamlConfig } from "../util/yaml-config.js";
import { RotationFile, type RotationGeneratorOptions } from "./schema.js";

/** Where the policy lives, relative to the top of the work tree. */
export const ROTATION_POLICY_FILE = ".secrets/rotation.yaml";

export const DEFAULT_WINDOW_SECONDS = 86_400;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_GRACE_SECONDS = 3600;

/** One rule as the runner and the status use it. */
export interface RotationPolicyRule {
  /** Its position in the file (0-based), for messages. */
  index: number;
  path: string;
  schedule: { kind: "every"; seconds: number } | { kind: "cron"; expression: string };
  windowSeconds: number;
  generator: RotationGeneratorOptions;
  strategy: "single" | "alternating";
  owner: string;
  retries: number;
  graceSeconds: number;
}

function seconds(d: number | string | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : fallback;
}

/** The rules of a policy file's text (`shown` names it in messages). */
export function parseRotationPolicy(text: string, shown: string = ROTATION_POLICY_FILE): RotationPolicyRule[] {
  const file = parseYamlConfig(RotationFile, text, shown);
  return file.rotations.map((r, index) => ({
    index,
    path: r.path.replace(/^\//, ""),
    schedule: r.cron !== undefined ? { kind: "cron", expression: r.cron } : { kind: "every", seconds: seconds(r.every, 0) },
    windowSeconds: seconds(r.window, DEFAULT_WINDOW_SECONDS),
    generator: r.generator,
    strategy: r.strategy ?? "single",
    owner: r.owner,
    retries: r.retries ?? DEFAULT_RETRIES,
    graceSeconds: seconds(r.grace, DEFAULT_GRACE_SECONDS),
  }));
}

/** The repository's policy (`top`: the work tree's top level); [] when it has no policy file. */
export async function loadRotationPolicy(top: string): Promise<RotationPolicyRule[]> {
  const file = path.join(top, ROTATION_POLICY_FILE);
  // The policy names the programs the command generator runs: a link out of the repository would
  // make an unreviewed file that source.
  if ((await fsp.lstat(file).catch(() => undefined))?.isSymbolicLink()) {
    confinedPath(top, file, { shown: ROTATION_POLICY_FILE, rootName: "the repository" });
  }
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new SecretsError("read-input", `could not read ${ROTATION_POLICY_FILE}`, { cause: e });
  }
  return parseRotationPolicy(text);
}

function segmentRegExp(glob: string): string {
  return glob
    .split("*")
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
}

/** Whether the secret path `secret` matches the rule's glob. */
export function pathMatches(glob: string, secret: string): boolean {
  const segs = glob.split("/");
  const parts: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === "**") {
      // Any number of whole segments, with the slash that follows them.
      parts.push(i === segs.length - 1 ? ".*" : "(?:[^/]+/)*");
      continue;
    }
    parts.push(segmentRegExp(s) + (i === segs.length - 1 ? "" : "/"));
  }
  return new RegExp(`^${parts.join("")}$`).test(secret);
}

/** The rule that applies to `secret` (the first that matches), or undefined. */
export function ruleFor(rules: readonly RotationPolicyRule[], secret: string): RotationPolicyRule | undefined {
  return rules.find((r) => pathMatches(r.path, secret));
}
