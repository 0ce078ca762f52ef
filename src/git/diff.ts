import { readFile } from "node:fs/promises";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath, loadStore } from "../files/format.js";
import type { KeySource } from "../sops/keysource.js";
import { diffVersions, type VersionDiff } from "./changes.js";
import { catFileBatch, git } from "./exec.js";
import { sideMaker } from "./sides.js";
import type { Repo } from "./repo.js";
import { Opener, parseVersion, type Version } from "./versions.js";

/**
 * `secrets diff`: key-level differences of the secrets files between two states, each a revision,
 * the index, or the work tree (git diff's forms: none → HEAD against the work tree; one revision →
 * it against the work tree; two → the first against the second; `staged` → against the index).
 * Versions are decrypted where the key source can, so a data key rotation is not mistaken for
 * changed values; values themselves are only shown when asked for (by the caller's rendering).
 */

export type State = { rev: string } | { index: true } | { worktree: true };

export interface FileDiff extends VersionDiff {
  file: string;
  status: "added" | "removed" | "modified";
}

export interface DiffOptions {
  from: string;
  to: State;
  /** Restrict to these repo-relative paths (files or directories). */
  paths?: string[];
  keys: KeySource;
}

export async function secretsDiff(repo: Repo, opts: DiffOptions): Promise<FileDiff[]> {
  const args = ["-c", "core.quotePath=false", "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff"];
  if ("index" in opts.to) args.push("--cached", opts.from);
  else if ("rev" in opts.to) args.push(opts.from, opts.to.rev);
  else args.push(opts.from);
  args.push("--", ...(opts.paths ?? []).map((p) => `:(literal)${p}`));
  const names = (await git(args, { cwd: repo.top })).stdout.toString("utf8").split("\0").filter(Boolean);

  const olds = await catFileBatch(names.map((n) => `${opts.from}:${n}`), { cwd: repo.top });
  let news: Array<Buffer | null>;
  if ("worktree" in opts.to) news = await Promise.all(names.map((n) => readWorktree(repo, n)));
  else news = await catFileBatch(names.map((n) => ("index" in opts.to ? `:${n}` : `${(opts.to as { rev: string }).rev}:${n}`)), { cwd: repo.top });

  const side = sideMaker(new Opener(opts.keys));
  const out: FileDiff[] = [];
  for (let i = 0; i < names.length; i++) {
    const file = names[i]!;
    const store = await loadStore(formatForPath(file));
    const parse = (b: Buffer | null | undefined): Version | null => {
      if (!b) return null;
      try {
        return parseVersion(store, b);
      } catch (e) {
        if (e instanceof SecretsError) return null;
        throw e;
      }
    };
    const a = parse(olds[i]);
    const b = parse(news[i]);
    if (!a?.metadata && !b?.metadata) continue; // not a secrets file on either side
    const d = diffVersions(await side(a), await side(b));
    const status = a === null ? "added" : b === null ? "removed" : "modified";
    if (d.changes.length || d.recipientsAdded.length || d.recipientsRemoved.length || d.rekeyed || status !== "modified") out.push({ file, status, ...d });
  }
  return out;
}

async function readWorktree(repo: Repo, file: string): Promise<Buffer | null> {
  try {
    return await readFile(path.join(repo.top, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SecretsError("read-input", "cannot read the file", { file, cause: e });
  }
}
