import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { fileHistory, readBlobs } from "../git/history.js";
import { objectId, workTreeTop, type Repo } from "../git/repo.js";

/**
 * Was the file ever in git? Every committed version (on any branch) and the staged one are read and
 * compared, in memory, with the values being imported: a value found there has been shared with
 * everyone who can read the repository and must be rotated, whatever the import does now. Nothing of
 * what git returns is printed; git's own errors are not either (only "not available").
 */

export interface HistoryReport {
  /** The file is tracked in the current index. */
  tracked: boolean;
  /** Number of commits that touch the path (capped at `MAX_COMMITS`). */
  commits: number;
  /** Names whose current value is in a commit or in the index: rotate them. */
  exposed: string[];
  /** Names whose history holds another value (an old credential that may still work somewhere). */
  earlierValues: string[];
}

export const MAX_COMMITS = 500;

/**
 * What git holds of `rel`: how many commits (on any ref, at most MAX_COMMITS) touch it, whether the
 * index has it, and the distinct contents of all of those versions.
 */
async function storedVersions(repo: Repo, rel: string): Promise<{ commits: number; tracked: boolean; versions: Buffer[] }> {
  const [changes, staged] = await Promise.all([fileHistory(repo, [rel], { all: true, maxCount: MAX_COMMITS }), objectId(repo, `:${rel}`)]);
  const blobs = await readBlobs(repo, [staged, ...changes.map((c) => c.after)]);
  return { commits: changes.length, tracked: staged !== null, versions: [...blobs.values()] };
}

/**
 * `current`: name → the value being imported (string form). `parse`: a version's bytes → name → value
 * (a version that does not parse counts as holding nothing). Returns null outside a git repository,
 * and when git fails there: the check is skipped, git's message is not passed on.
 */
export async function gitExposure(
  file: string,
  current: ReadonlyMap<string, string>,
  parse: (bytes: Uint8Array) => Promise<Map<string, string>>,
): Promise<HistoryReport | null> {
  // Real paths on both sides: git reports the top level with symlinks resolved (/tmp on macOS).
  let abs: string;
  try {
    abs = path.join(fs.realpathSync(path.dirname(path.resolve(file))), path.basename(file));
  } catch {
    return null;
  }
  const top = await workTreeTop(path.dirname(abs));
  if (!top) return null;
  const repo: Repo = { top: fs.realpathSync(top) };
  const rel = path.relative(repo.top, abs).split(path.sep).join("/");
  if (rel.startsWith("../")) return null;
  const found = await storedVersions(repo, rel).catch((e: unknown) => {
    if (e instanceof SecretsError) return null;
    throw e;
  });
  if (!found) return null;
  const { commits, tracked, versions } = found;

  const exposed = new Set<string>();
  const earlier = new Set<string>();
  for (const v of versions) {
    let values: Map<string, string>;
    try {
      values = await parse(v);
    } catch {
      continue;
    }
    for (const [name, value] of current) {
      const old = values.get(name);
      if (old === undefined) continue;
      if (old === value) exposed.add(name);
      else earlier.add(name);
    }
  }
  const order = [...current.keys()];
  const sorted = (s: Set<string>) => order.filter((n) => s.has(n));
  return { tracked, commits, exposed: sorted(exposed), earlierValues: sorted(earlier) };
}
