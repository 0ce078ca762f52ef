/**
 * Git's lock files left by a process that was killed while running git.
 *
 * Git takes `index.lock`, `HEAD.lock`, `refs/heads/<branch>.lock` and the like with O_EXCL and
 * never recovers one: a git process killed while holding it (a server killed with its process
 * group, an OOM kill, a power cut) leaves it, and every later commit fails with "Unable to create
 * '…/index.lock': File exists" until someone removes it. Git cannot tell whose a lock is (it holds
 * no pid), and removing a live git's lock loses that git's work, so a lock is removed here only
 * when it is known to be ours:
 *
 * - every git operation a server runs that takes locks (a commit, a fetch, a fast-forward) is
 *   marked first with a small file `<git dir>/secrets-server-ops/<pid>-<n>.json` holding the pid,
 *   the host and the start time, removed when the operation ends ({@link GitOperationMarks});
 * - at start, a mark whose process is gone (same host, pid not running) names an operation that
 *   was cut short; the lock files whose modification time falls in that operation's window — from
 *   its start (less a second of clock slack) to {@link MAX_OPERATION_MS} after it, past which the
 *   operation would have given up — are its leftovers, and are removed
 *   ({@link recoverStaleGitLocks});
 * - a lock changed less than {@link SETTLE_MS} ago is waited for first: a killed server's git child
 *   may still be running (only the server was killed) and about to release it.
 *
 * A lock outside every window, or with no mark at all (the operator's own git, or a git killed
 * long ago), is left alone: the commit then waits for it and fails with 503 naming it.
 */
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { processGone } from "../io/atomic.js";
import { gitText } from "./exec.js";
import type { Repo } from "./repo.js";

/** The longest a marked operation may run before it gives up (the commit queue's wait, a fetch's timeout), with room to spare. */
export const MAX_OPERATION_MS = 120_000;
/** How long a lock must have been left unchanged before it is judged abandoned. */
export const SETTLE_MS = 2_000;
const CLOCK_SLACK_MS = 1_000;
const MARKS_FOLDER = "secrets-server-ops";

interface Mark {
  pid: number;
  host: string;
  /** Epoch milliseconds. */
  started: number;
}

/** The git directory and the common directory (they differ in a linked work tree), absolute. */
async function gitDirs(repo: Repo): Promise<{ gitDir: string; commonDir: string }> {
  const [gitDir, commonDir] = (await gitText(["rev-parse", "--git-dir", "--git-common-dir"], { cwd: repo.top })).trim().split("\n");
  return { gitDir: path.resolve(repo.top, gitDir!), commonDir: path.resolve(repo.top, commonDir!) };
}

/** The operations of one process, each marked while it runs. One instance per repository and process. */
export class GitOperationMarks {
  /** The marks' folder, or null when it cannot be made (operations then run unmarked). */
  readonly #folder: Promise<string | null>;
  #next = 0;

  constructor(repo: Repo) {
    this.#folder = gitDirs(repo).then(
      async ({ gitDir }) => {
        const folder = path.join(gitDir, MARKS_FOLDER);
        await fsp.mkdir(folder, { recursive: true });
        return folder;
      },
      () => null,
    );
  }

  /**
   * Runs `fn` (git operations that take lock files) with a mark naming this process. The mark is
   * written before and removed after, whatever `fn` does; a mark that cannot be written does not
   * stop the operation (it only makes a crash during it need a hand to clean up).
   */
  async around<T>(fn: () => Promise<T>): Promise<T> {
    const folder = await this.#folder.catch(() => null);
    const file = folder === null ? null : path.join(folder, `${process.pid}-${this.#next++}.json`);
    const mark: Mark = { pid: process.pid, host: hostname(), started: Date.now() };
    const written = file === null ? false : await fsp.writeFile(file, JSON.stringify(mark)).then(() => true, () => false);
    try {
      return await fn();
    } finally {
      if (written && file !== null) await fsp.rm(file, { force: true }).catch(() => undefined);
    }
  }
}

function parseMark(text: string): Mark | null {
  try {
    const m = JSON.parse(text) as Partial<Mark>;
    return typeof m.pid === "number" && typeof m.host === "string" && typeof m.started === "number" ? (m as Mark) : null;
  } catch {
    return null;
  }
}

/** The lock files git takes for a commit, a fetch and a fast-forward: `*.lock` at the top of both git directories, and under `refs/`. */
async function lockFiles(gitDir: string, commonDir: string): Promise<string[]> {
  const top = async (dir: string) => (await fsp.readdir(dir).catch(() => [])).filter((n) => n.endsWith(".lock")).map((n) => path.join(dir, n));
  const refs = async (dir: string): Promise<string[]> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? refs(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith(".lock") ? [path.join(dir, e.name)] : []))));
    return nested.flat();
  };
  const found = [...(await top(gitDir)), ...(gitDir === commonDir ? [] : await top(commonDir)), ...(await refs(path.join(commonDir, "refs")))];
  return [...new Set(found)];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Removes the lock files left by marked git operations of processes that are gone (see the module
 * comment), and those processes' marks. Returns the removed locks, relative to the work tree's
 * top, for the caller to report. Nothing is removed while a live process's mark could own it.
 */
export async function recoverStaleGitLocks(repo: Repo, opts: { now?: () => number } = {}): Promise<string[]> {
  const now = opts.now ?? Date.now;
  const { gitDir, commonDir } = await gitDirs(repo);
  const folder = path.join(gitDir, MARKS_FOLDER);
  const names = await fsp.readdir(folder).catch(() => [] as string[]);
  const dead: Array<{ file: string; mark: Mark }> = [];
  for (const name of names) {
    const file = path.join(folder, name);
    const mark = parseMark(await fsp.readFile(file, "utf8").catch(() => ""));
    // A mark that does not parse was torn by a crash while written: its operation had not begun.
    if (mark === null) {
      await fsp.rm(file, { force: true });
      continue;
    }
    if (mark.host === hostname() && processGone(mark.pid)) dead.push({ file, mark });
  }
  if (dead.length === 0) return [];
  const inWindow = (mtimeMs: number) => dead.some(({ mark }) => mtimeMs >= mark.started - CLOCK_SLACK_MS && mtimeMs <= mark.started + MAX_OPERATION_MS);
  const removed: string[] = [];
  for (const lock of await lockFiles(gitDir, commonDir)) {
    const st = await fsp.stat(lock).catch(() => null);
    if (!st || !inWindow(st.mtimeMs)) continue;
    const age = now() - st.mtimeMs;
    if (age < SETTLE_MS) {
      await sleep(SETTLE_MS - age);
      const again = await fsp.stat(lock).catch(() => null);
      // Released, or rewritten meanwhile: a live git holds it.
      if (!again || again.mtimeMs !== st.mtimeMs) continue;
    }
    await fsp.rm(lock, { force: true });
    removed.push(path.relative(repo.top, lock).split(path.sep).join("/"));
  }
  await Promise.all(dead.map(({ file }) => fsp.rm(file, { force: true })));
  return removed;
}
