import { SecretsError } from "../errors.js";
import { catFileBatch, git } from "./exec.js";
import type { Repo } from "./repo.js";

/**
 * The history of some files in one `git log` walk: for every commit that changed one of them, the
 * blob ids before (per parent) and after. Contents are then fetched with one `git cat-file --batch`
 * over the distinct blobs, so a file with 200 commits costs two git processes, not 200.
 *
 * The walk uses git's default history simplification (a merge that took one side's version as it
 * was is not listed) and combined diffs for merges (`-c`): a merge is listed for a file only when
 * its result differs from every parent, i.e. when the merge itself produced something new.
 */

export const ZERO_OID = /^0+$/;

export interface CommitInfo {
  id: string;
  parents: string[];
  author: string;
  email: string;
  /** Author date, ISO 8601 with offset. */
  date: string;
  subject: string;
}

export interface FileChange {
  commit: CommitInfo;
  path: string;
  /** Blob id in each parent (in parent order); null where the file did not exist. */
  before: Array<string | null>;
  /** Blob id after the commit; null when the commit deleted the file. */
  after: string | null;
}

export interface HistoryOptions {
  /** Only commits after this date (git's `--since`). */
  since?: string;
  /** Start from this revision (default HEAD). */
  rev?: string;
  /** Walk from every ref (git's `--all`, which includes other branches and the stash) instead of `rev`. */
  all?: boolean;
  /** At most this many commits, newest first (git's `-n`). */
  maxCount?: number;
  /** Only commits that are not this commit or its ancestors (`<rev> ^<after>`); a commit the repository lacks is ignored. */
  after?: string;
}

const FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s";

/** Changes to `paths` (repo-relative), newest commit first. Empty when nothing was ever committed. */
export async function fileHistory(repo: Repo, paths: readonly string[], opts: HistoryOptions = {}): Promise<FileChange[]> {
  if (!paths.length) return [];
  const args = ["-c", "core.quotePath=false", "log", "-z", "-c", "--raw", "--no-abbrev", "--no-renames", `--format=${FORMAT}`];
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.maxCount !== undefined) args.push(`--max-count=${opts.maxCount}`);
  if (opts.all) args.push("--all"); // no refs at all (a new repository) lists nothing
  else {
    const head = await git(["rev-parse", "--verify", "--quiet", opts.rev ?? "HEAD"], { cwd: repo.top, okCodes: [0, 1, 128] });
    if (head.code !== 0) {
      if (opts.rev) throw new SecretsError("usage", `unknown revision "${opts.rev}"`);
      return []; // a repository without commits has no history
    }
    args.push(head.stdout.toString("utf8").trim());
    if (opts.after !== undefined) {
      const after = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${opts.after}^{commit}`], { cwd: repo.top, okCodes: [0, 1, 128] });
      if (after.code === 0) args.push(`^${after.stdout.toString("utf8").trim()}`);
    }
  }
  args.push("--", ...paths.map((p) => `:(literal)${p}`));
  const { stdout } = await git(args, { cwd: repo.top });
  return parseLog(stdout.toString("utf8"));
}

/** Parses `git log -z -c --raw --format=FORMAT` output. Exported for tests. */
export function parseLog(text: string): FileChange[] {
  const out: FileChange[] = [];
  for (const chunk of text.split("\x1e")) {
    if (!chunk) continue;
    const headerEnd = chunk.indexOf("\0");
    const header = headerEnd < 0 ? chunk : chunk.slice(0, headerEnd);
    const [id, parents, author, email, date, subject] = header.split("\x1f");
    if (!id) continue;
    const commit: CommitInfo = {
      id,
      parents: parents ? parents.split(" ").filter(Boolean) : [],
      author: author ?? "",
      email: email ?? "",
      date: date ?? "",
      subject: (subject ?? "").trim(),
    };
    if (headerEnd < 0) continue;
    const tokens = chunk.slice(headerEnd + 1).split("\0");
    for (let i = 0; i < tokens.length; i++) {
      const meta = tokens[i]!.replace(/^\n+/, "");
      if (!meta.startsWith(":")) continue;
      const path = tokens[++i] ?? "";
      // `:m1 m2 o1 o2 S` (one parent) or `::m1 m2 m3 o1 o2 o3 SS` (a merge with two parents).
      const colons = /^:+/.exec(meta)![0].length;
      const fields = meta.slice(colons).split(" ");
      const oids = fields.slice(colons + 1, 2 * colons + 2);
      const blob = (o: string | undefined) => (o === undefined || ZERO_OID.test(o) ? null : o);
      out.push({ commit, path, before: oids.slice(0, colons).map(blob), after: blob(oids[colons]) });
    }
  }
  return out;
}

/** The contents of the given blobs (distinct ids), fetched through one `git cat-file --batch`. */
export async function readBlobs(repo: Repo, ids: Iterable<string | null>): Promise<Map<string, Buffer>> {
  const unique = [...new Set([...ids].filter((x): x is string => x !== null))];
  const bodies = await catFileBatch(unique, { cwd: repo.top });
  const out = new Map<string, Buffer>();
  unique.forEach((id, i) => {
    const b = bodies[i];
    if (b) out.set(id, b);
  });
  return out;
}
