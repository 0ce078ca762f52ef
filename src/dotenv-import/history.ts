import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

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

function git(cwd: string, args: string[]): Promise<Buffer | null> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, encoding: "buffer", maxBuffer: 256 * 1024 * 1024, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/**
 * `current`: name → the value being imported (string form). `parse`: a version's bytes → name → value
 * (a version that does not parse counts as holding nothing). Returns null outside a git repository.
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
  const top = await git(path.dirname(abs), ["rev-parse", "--show-toplevel"]);
  if (!top) return null;
  const toplevel = fs.realpathSync(top.toString("utf8").trim());
  const rel = path.relative(toplevel, abs).split(path.sep).join("/");
  if (rel.startsWith("../")) return null;
  const log = await git(toplevel, ["log", "--all", "--format=%H", `-n${MAX_COMMITS}`, "--", rel]);
  const commits = log ? log.toString("utf8").split("\n").filter(Boolean) : [];
  const staged = await git(toplevel, ["show", `:${rel}`]);
  const versions: Buffer[] = [];
  const seen = new Set<string>();
  const add = (b: Buffer | null) => {
    if (!b) return;
    const k = b.toString("base64");
    if (seen.has(k)) return;
    seen.add(k);
    versions.push(b);
  };
  add(staged);
  for (const c of commits) add(await git(toplevel, ["show", `${c}:${rel}`]));

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
  return { tracked: staged !== null, commits: commits.length, exposed: sorted(exposed), earlierValues: sorted(earlier) };
}
