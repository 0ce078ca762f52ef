import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { confinedPath } from "../../src/io/confine.js";
import { secretFiles } from "../../src/access/inventory.js";
import { RuleBook } from "../../src/access/rules.js";
import type { LoadedConfig } from "../../src/policy/load.js";
import type { Workspace } from "../../src/workspace/workspace.js";
import { isSecretsError } from "../../src/errors.js";
import { ActionFailure } from "./failure.js";
import { globToRegExp, isLiteral } from "./glob.js";
import type { Inputs } from "./inputs.js";
import { safe } from "./safe-text.js";
import { listFiles } from "./walk.js";

/**
 * Which files the decrypt mode opens:
 * - `files` set: every file matching its patterns (relative to the working directory; `!pattern`
 *   excludes). Each must be an encrypted file, and each positive pattern must match something.
 * - `files` empty: every secret file (a file a `.sops.yaml` creation rule covers) below the working
 *   directory. Those that are not SOPS-encrypted are skipped (counted in the summary): a catch-all
 *   rule covers every file of the repository, and reporting misplaced plaintext is `mode: verify`'s job.
 */
export interface PlannedFile {
  /** Absolute path. */
  abs: string;
  /** Path relative to the workspace, `/`-separated: how the file is named in the summary and the audit. */
  display: string;
  /** Found by rule coverage rather than named: skipped, not failed, when it is not encrypted. */
  optional: boolean;
}

export function displayPath(workspace: string, abs: string): string {
  const rel = relative(workspace, abs);
  return (rel === "" || isAbsolute(rel) ? abs : rel).split(sep).join("/");
}

export function planFromPatterns(root: string, workspace: string, patterns: Inputs["files"]): PlannedFile[] {
  const positive = patterns.filter((p) => !p.text.startsWith("!"));
  const negative = patterns.filter((p) => p.text.startsWith("!")).map((p) => globToRegExp(p.text.slice(1).trim()));
  let all: string[] | undefined;
  const chosen = new Set<string>();
  for (const p of positive) {
    let matched: string[];
    if (isLiteral(p.text)) {
      const abs = resolve(root, p.text);
      matched = existsSync(abs) ? [relative(root, abs).split(sep).join("/")] : [];
      if (matched.length) {
        try {
          confinedPath(workspace, abs);
        } catch {
          throw new ActionFailure(safe`input files: line ${p.line} names a symbolic link that leads outside the workspace`);
        }
      }
    } else {
      all ??= listFiles(root, workspace);
      const re = globToRegExp(p.text);
      matched = all.filter((f) => re.test(f));
    }
    if (matched.length === 0) throw new ActionFailure(safe`input files: line ${p.line} matches no file`);
    for (const m of matched) chosen.add(m);
  }
  const files = [...chosen].filter((f) => !negative.some((re) => re.test(f))).sort();
  if (files.length === 0) throw new ActionFailure(safe`input files: the patterns leave no file to decrypt`);
  return files.map((f) => {
    const abs = resolve(root, f);
    return { abs, display: displayPath(workspace, abs), optional: false };
  });
}

/** The `.sops.yaml` that applies to the working directory, found as sops finds it; null when there is none. */
export async function configFor(secrets: Workspace): Promise<LoadedConfig | null> {
  try {
    return await secrets.config();
  } catch (e) {
    throw policyFailure(e);
  }
}

/** Runs a `.sops.yaml` operation; its errors become one fixed line with the line number, if known. */
function policyStep<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw policyFailure(e);
  }
}

/** A `.sops.yaml` error as one fixed line with the line number, if known; other errors as they are. */
function policyFailure(e: unknown): unknown {
  if (!isSecretsError(e)) return e;
  // The library's config errors start with `/path/.sops.yaml:LINE:COL: `; only the number is kept.
  const line = /^[^\n]*?:(\d+):\d+: /.exec(e.message)?.[1];
  return new ActionFailure(line ? safe`.sops.yaml is invalid (line ${Number(line)}); run secrets verify locally for details` : safe`.sops.yaml is invalid; run secrets verify locally for details`);
}

/**
 * The secret files as `secrets verify` sees them (tracked or untracked-but-not-ignored files below the
 * `.sops.yaml` directory that a creation rule covers), limited to the working directory.
 */
export async function planFromPolicy(root: string, workspace: string, config: LoadedConfig | null): Promise<PlannedFile[]> {
  if (!config) throw new ActionFailure(safe`no .sops.yaml found from the working directory: set the files or secrets input`);
  const book = policyStep(() => new RuleBook(config));
  const files: PlannedFile[] = [];
  for (const f of await secretFiles(book)) {
    const abs = resolve(config.dir, f);
    const rel = relative(root, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) continue;
    files.push({ abs, display: displayPath(workspace, abs), optional: true });
  }
  return files;
}
