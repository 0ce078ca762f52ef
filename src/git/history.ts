import { SecretsError } from "../errors.js";
import { catFileBatch, git } from "./exec.js";
import { inRepo, type Repo } from "./repo.js";

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
  /**
   * Start from this commit, an id known to exist (e.g. read from HEAD a moment ago): git is not asked
   * to resolve it first, which saves a process. Takes the place of `rev`.
   */
  at?: string;
  /** Walk from every ref (git's `--all`, which includes other branches and the stash) instead of `rev`. */
  all?: boolean;
  /** At most this many commits, newest first (git's `-n`). */
  maxCount?: number;
  /** Only commits that are not this commit or its ancestors (`<rev> ^<after>`); a commit the repository lacks is ignored. */
  after?: string;
}

const FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s";

/**
 * The changes of one commit, every path it touched, in the form `fileHistory` gives them (the same
 * `git log` format; `-c`, so a merge lists only what it produced itself). For a commit with one
 * parent, the history of a path at it is this commit's change of the path (if any) followed by the
 * path's history at the parent: so a reader that knows the history at the parent can extend it
 * without walking again.
 */
export async function commitChanges(repo: Repo, commit: string): Promise<{ commit: CommitInfo; changes: FileChange[] }> {
  const args = ["-c", "core.quotePath=false", "log", "-1", "-z", "-c", "--raw", "--no-abbrev", "--no-renames", `--format=${FORMAT}`, "--end-of-options", commit, "--"];
  const text = (await git(args, inRepo(repo))).stdout.toString("utf8");
  const chunk = text.split("\x1e").find((c) => c !== "");
  const info = chunk === undefined ? undefined : parseHeader(chunk.split("\0")[0]!);
  if (!info) throw new SecretsError("generic", "git log: no such commit");
  return { commit: info, changes: parseLog(text) };
}

/**
 * Every path some commit in the history of `at` (a commit id) changed, in one walk: a path not in
 * it has an empty `fileHistory` at `at` (a commit listed in a path's history changed the path,
 * and the same walk without a path filter lists that change too: a merge's own changes as `-c`
 * shows them, everything else as it is). `--root`: the first commit's files too, whatever
 * `log.showRoot` says.
 */
export async function pathsEverChanged(repo: Repo, at: string): Promise<Set<string>> {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(at)) throw new SecretsError("usage", `not a commit id: "${at}"`);
  const args = ["-c", "core.quotePath=false", "log", "-z", "-c", "--raw", "--root", "--no-abbrev", "--no-renames", `--format=${FORMAT}`, at, "--"];
  const { stdout } = await git(args, inRepo(repo));
  return new Set(parseLog(stdout.toString("utf8")).map((c) => c.path));
}

/** Changes to `paths` (repo-relative), newest commit first. Empty when nothing was ever committed. */
export async function fileHistory(repo: Repo, paths: readonly string[], opts: HistoryOptions = {}): Promise<FileChange[]> {
  if (!paths.length) return [];
  const args = ["-c", "core.quotePath=false", "log", "-z", "-c", "--raw", "--no-abbrev", "--no-renames", `--format=${FORMAT}`];
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.maxCount !== undefined) args.push(`--max-count=${opts.maxCount}`);
  if (opts.all) args.push("--all"); // no refs at all (a new repository) lists nothing
  else if (opts.at !== undefined) {
    if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(opts.at)) throw new SecretsError("usage", `not a commit id: "${opts.at}"`);
    args.push(opts.at);
  } else {
    const head = await git(["rev-parse", "--verify", "--quiet", opts.rev ?? "HEAD"], { ...inRepo(repo), okCodes: [0, 1, 128] });
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
  const { stdout } = await git(args, inRepo(repo));
  return parseLog(stdout.toString("utf8"));
}

/** Parses `git log -z -c --raw --format=FORMAT` output. Exported for tests. */
export function parseLog(text: string): FileChange[] {
  const out: FileChange[] = [];
  for (const chunk of text.split("\x1e")) {
    if (!chunk) continue;
    const headerEnd = chunk.indexOf("\0");
    const header = headerEnd < 0 ? chunk : chunk.slice(0, headerEnd);
    const commit = parseHeader(header);
    if (!commit) continue;
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

/** One commit's header line of FORMAT; undefined when it has no id. */
function parseHeader(header: string): CommitInfo | undefined {
  const [id, parents, author, email, date, subject] = header.split("\x1f");
  if (!id) return undefined;
  return {
    id,
    parents: parents ? parents.split(" ").filter(Boolean) : [],
    author: author ?? "",
    email: email ?? "",
    date: date ?? "",
    subject: (subject ?? "").trim(),
  };
}

/** The contents of the given blobs (distinct ids), fetched through one `git cat-file --batch`. */
export async function readBlobs(repo: Repo, ids: Iterable<string | null>): Promise<Map<string, Buffer>> {
  const unique = [...new Set([...ids].filter((x): x is string => x !== null))];
  const bodies = await catFileBatch(unique, inRepo(repo));
  const out = new Map<string, Buffer>();
  unique.forEach((id, i) => {
    const b = bodies[i];
    if (b) out.set(id, b);
  });
  return out;
}
