import { chmod, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { LoadedConfig } from "../policy/load.js";
import { literalPattern, regexToGlobs, renderBlock, replaceBlock } from "./attributes.js";
import { git } from "./exec.js";
import { trackedSecretFiles } from "./discover.js";
import { gitPath, type Repo } from "./repo.js";

/**
 * `secrets git setup`: wires git to our drivers in one repository.
 *
 * - `.gitattributes` (committed, shared): `diff=secrets merge=secrets` for the `.sops.yaml` rules'
 *   paths, plus any tracked secrets file those patterns miss;
 * - local git config (`.git/config`, per clone, because it names a command on this machine):
 *   `diff.secrets.textconv` and `merge.secrets.driver`. No `cachetextconv`: git would keep the
 *   decrypted text in its notes, on disk;
 * - with `hooks`: a pre-commit hook running `secrets check --staged`.
 */

export interface SetupOptions {
  /** The shell command that runs this CLI (already quoted for `sh`). */
  command: string;
  hooks?: boolean;
  /** Textconv shows decrypted values instead of fingerprints. */
  showValues?: boolean;
  /** Replace a pre-commit hook that is not ours. */
  force?: boolean;
}

export const HOOK_MARKER = "# gitops-secrets pre-commit hook";

/** Quotes a word for `sh`. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `.gitattributes` patterns for a config's rules, and the rules we could not turn into globs. */
export function rulePatterns(repo: Repo, config: LoadedConfig | null): { patterns: string[]; unconverted: number[] } {
  const patterns: string[] = [];
  const unconverted: number[] = [];
  if (!config) return { patterns, unconverted };
  const rel = path.relative(repo.top, config.dir).split(path.sep).join("/");
  const dir = rel === "" ? "" : rel.startsWith("..") ? null : `${rel}/`;
  (config.data.creation_rules ?? []).forEach((rule, i) => {
    const re = rule.path_regex;
    if (re == null || re === "") return; // a catch-all rule names no files: tracked files are listed instead
    const globs = dir === null ? null : regexToGlobs(re, dir);
    if (globs) patterns.push(...globs.filter((g) => !patterns.includes(g)));
    else unconverted.push(i);
  });
  return { patterns, unconverted };
}

export async function gitSetup(repo: Repo, config: LoadedConfig | null, opts: SetupOptions): Promise<string[]> {
  const report: string[] = [];
  const { patterns, unconverted } = rulePatterns(repo, config);
  for (const i of unconverted) report.push(`note: creation_rules[${i}].path_regex has no glob equivalent here; its files are listed one by one (re-run setup after adding files)`);

  // Write the rule patterns first, then ask git which tracked secrets files they still miss.
  const attrFile = path.join(repo.top, ".gitattributes");
  let existing = "";
  try {
    existing = await readFile(attrFile, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", "cannot read .gitattributes", { file: attrFile, cause: e });
  }
  await writeFileAtomic(attrFile, replaceBlock(existing, renderBlock(patterns)));
  const files = await trackedSecretFiles(repo);
  const missed = await uncovered(repo, files);
  const explicit: string[] = [];
  for (const f of missed) {
    const p = literalPattern(f);
    if (p) explicit.push(p);
    else report.push(`warning: ${f} cannot be named in .gitattributes (whitespace or quotes in its path): add it by hand`);
  }
  if (explicit.length) await writeFileAtomic(attrFile, replaceBlock(existing, renderBlock([...patterns, ...explicit])));
  report.push(`.gitattributes: ${patterns.length + explicit.length} pattern(s) use the secrets diff and merge drivers (${files.length} secrets file(s) tracked)`);

  const textconv = `${opts.command} git textconv${opts.showValues ? " --values" : ""}`;
  const settings: Array<[string, string]> = [
    ["diff.secrets.textconv", textconv],
    ["merge.secrets.name", "gitops-secrets: three-way merge of encrypted files, key by key"],
    ["merge.secrets.driver", `${opts.command} merge-driver %O %A %B %P`],
  ];
  for (const [k, v] of settings) await git(["config", "--local", k, v], { cwd: repo.top });
  // Cached textconv output would be decrypted text stored in git's notes: make sure it is off.
  await git(["config", "--local", "--unset-all", "diff.secrets.cachetextconv"], { cwd: repo.top, okCodes: [0, 5] });
  report.push(`git config (local): diff.secrets.textconv, merge.secrets.driver${opts.showValues ? " (diffs show decrypted values)" : " (diffs show value fingerprints)"}`);

  if (opts.hooks) report.push(await installHook(repo, opts));
  return report;
}

/** Which of `files` the current attributes do not send to our merge driver. */
async function uncovered(repo: Repo, files: string[]): Promise<string[]> {
  if (!files.length) return [];
  const r = await git(["check-attr", "-z", "--stdin", "merge"], { cwd: repo.top, input: files.join("\0") + "\0" });
  const parts = r.stdout.toString("utf8").split("\0");
  const out: string[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3) if (parts[i + 2] !== "secrets") out.push(parts[i]!);
  return out;
}

async function installHook(repo: Repo, opts: SetupOptions): Promise<string> {
  const hooks = await gitPath(repo, "hooks");
  const file = path.join(hooks, "pre-commit");
  let current: string | null = null;
  try {
    current = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", "cannot read the pre-commit hook", { file, cause: e });
  }
  if (current !== null && !current.includes(HOOK_MARKER) && !opts.force) {
    throw new SecretsError("usage", `${file} exists and is not ours: add \`secrets check --staged\` to it, or re-run with --force to replace it`);
  }
  const body = `#!/bin/sh\n${HOOK_MARKER}: refuses commits that would leak a secret (bypass once: git commit --no-verify)\nexec ${opts.command} check --staged\n`;
  await mkdir(hooks, { recursive: true });
  await writeFileAtomic(file, body, { mode: 0o755 });
  await chmod(file, 0o755);
  return `pre-commit hook: ${path.relative(repo.top, file) || file} runs \`secrets check --staged\``;
}
