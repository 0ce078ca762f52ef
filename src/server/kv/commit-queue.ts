import { SecretsError } from "../../errors.js";
import { git, type GitLauncher } from "../../git/exec.js";
import { HeadReader } from "../../git/head.js";
import { commitChanges, type CommitInfo, type FileChange } from "../../git/history.js";
import type { GitOperationMarks } from "../../git/stale-locks.js";

/**
 * The server's commits to one repository, one at a time, in groups. Git allows one writer of the
 * index (`.git/index.lock`): two `git commit`s at once fail, so every commit of one repository goes
 * through one queue (one instance per repository, held by the KV write context: no module state).
 *
 * **Group commit.** A commit costs a git process or two (`add` for a file git does not track yet,
 * then `commit`), tens of milliseconds; the writes that arrive while one commit runs are committed
 * together in the next one, so the rate of writes is not bounded by the rate of commits. When
 * fewer writes wait than the last commit held, the next commit waits for them a little (at most
 * the last commit's duration, capped at `maxLingerMs`): writers in step would otherwise alternate
 * between a commit of one and a commit of all the others. Each write is
 * acknowledged (its promise resolves) only after the commit that holds it, and every writer still
 * holds its file's lock until then, so a commit holds at most one change of each file and a
 * check-and-set is always checked against committed history. A group holds only writes of one
 * author (the token's display name) at one second (the author date is the version's
 * `created_time`, which the write answers without reading the commit back); others wait for the
 * next commit. Its message names every write: the first write's message and how many more in the
 * subject line, then each write's message on a line of its own in the body. When a group's commit
 * fails for another reason than a lock, its writes are committed again one by one, so that one bad
 * write (a hook that refuses it) fails alone.
 *
 * **Durability.** Git by default leaves loose objects and refs to the page cache (core.fsync);
 * the server's commits flush them (`core.fsync=committed,reference`) before a write is
 * acknowledged, so an acknowledged write survives a power cut, not only a killed process.
 *
 * What a commit holds (`git log -1 --raw` of it, for the history cache) is read after the writes are
 * acknowledged, while the next commit runs: `onCommit` gets that reading as a promise at once, so
 * that nothing asks the history of the new HEAD before it is known (history-cache.ts waits for it).
 *
 * **Maintenance.** `git commit` ends by starting `git maintenance run --auto` (one more process,
 * which almost always finds nothing to do) before it exits, so that process is in every write's
 * latency. The queue's commits turn that off (`maintenance.auto=false`) and run the same
 * `git maintenance run --auto` itself once every `maintenanceEvery` commits, in its turn after the
 * commit's writes are acknowledged: loose objects are still packed as git would, off the writes' path.
 *
 * A commit still finding the index locked (the operator's own `git status` or `git pull` in the
 * checkout) is retried with backoff for up to `timeoutMs`, then fails with kind `locked` (503,
 * transient: Vault clients retry it).
 */

/** A git identity: `name <email>`. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** Why git found the index locked: git's "Unable to create '…/index.lock': File exists." */
const INDEX_LOCKED = /index\.lock/;
/** `git commit -- PATH` of a path the index does not know: it must be added first. */
const NOT_KNOWN = /did not match any file\(s\) known to git/;

/** What makes a commit durable (git-config(1) core.fsync): objects and the ref that names them. */
const DURABLE = ["-c", "core.fsync=committed,reference"];
/** The queue runs git's automatic maintenance itself (see the note above). */
const NO_AUTO_MAINTENANCE = ["-c", "maintenance.auto=false"];

export interface CommitRequest {
  /** Repo-relative, `/`-separated; each changed in the work tree (a removal included). */
  paths: readonly string[];
  message: string;
  author: GitIdentity;
  /** Author date = commit date = this time (whole seconds are kept). */
  date: Date;
  /** Every path is in HEAD's tree already (the writer knows it from the history): no `git add` first. */
  tracked?: boolean;
}

/** A commit the queue made, as git lists it: its header and every change it holds. */
export interface MadeCommit {
  commit: CommitInfo;
  changes: readonly FileChange[];
}

export interface CommitQueueOptions {
  /** Who commits (the server); the author is each request's own. */
  committer: GitIdentity;
  /** How long a commit waits for an index locked by another git process (default 10 s). */
  timeoutMs?: number;
  /** The environment git otherwise runs with (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Who starts the git processes (the repository's launcher; default: this process). */
  via?: GitLauncher;
  /** At most this many writes in one commit (default 256). */
  maxGroup?: number;
  /** `git maintenance run --auto` after every this many commits (see the note above; default 100). */
  maintenanceEvery?: number;
  /** The longest a commit waits for the writes it expects (see the note above; default 25 ms). */
  maxLingerMs?: number;
  /**
   * Told of each commit as soon as it is made, before any write it holds is acknowledged: its id,
   * its parent and the paths it holds when its object says at once that it is the queue's (else
   * null), and what it holds as git lists it, once read (null: not known to be the queue's). The
   * history cache moves the files the commit did not touch at once, and extends the others.
   */
  onCommit?: (made: Promise<MadeCommit | null>, early: { id: string; parent: string; paths: readonly string[] } | null) => void;
  /** Reads HEAD and new commits from the repository's files (default: a reader of its own). */
  head?: HeadReader;
  /**
   * Marks each commit while its git runs, so that a later start can remove the git locks a
   * killed server left (src/git/stale-locks.ts). Default: unmarked.
   */
  marks?: GitOperationMarks;
}

interface Pending {
  req: CommitRequest;
  resolve: (id: string) => void;
  reject: (e: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export class CommitQueue {
  readonly #top: string;
  readonly #opts: CommitQueueOptions;
  readonly #head: HeadReader;
  #pending: Pending[] = [];
  #running = false;
  #commits = 0;
  /** The last commit: how many writes it held and how long it took. */
  #lastGroup = 0;
  #lastMs = 0;
  /** Wakes a commit waiting for the writes it expects. */
  #arrived: (() => void) | undefined;
  /** Readings of what commits hold, not finished yet. */
  readonly #reading = new Set<Promise<unknown>>();
  /** The turns of git work on the index and refs: each group's commit, and each exclusive() run, one at a time. */
  #tail: Promise<unknown> = Promise.resolve();

  /** `top`: the work tree's top level. */
  constructor(top: string, opts: CommitQueueOptions) {
    this.#top = top;
    this.#opts = opts;
    this.#head = opts.head ?? new HeadReader(this.#repo());
  }

  #repo() {
    return { top: this.#top, ...(this.#opts.via ? { via: this.#opts.via } : {}) };
  }

  /** Resolves once every commit made so far has been read back and told of (tests). */
  async settled(): Promise<void> {
    while (this.#running || this.#reading.size > 0) {
      await Promise.allSettled([...this.#reading]);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** How many commits this queue has made (tests, and the bench's account of grouping). */
  get commits(): number {
    return this.#commits;
  }

  /**
   * Commits exactly `paths`, after every commit this queue started earlier, together with the other
   * writes waiting then (see the note above); the id of the commit that holds them.
   */
  commit(req: CommitRequest): Promise<string> {
    if (req.paths.length === 0) return Promise.reject(new SecretsError("usage", "nothing to commit"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ req, resolve, reject });
      this.#arrived?.();
      if (!this.#running) {
        this.#running = true;
        // After the current turn, so that writes arriving in the same turn share the first commit.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  /**
   * Runs `fn` — git work that takes the index or a ref, such as a fast-forward — in this queue's
   * turn: after the commit in progress, before the next one, marked as a commit is.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#inTurn(() => (this.#opts.marks ? this.#opts.marks.around(fn) : fn()));
  }

  #inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.catch(() => undefined).then(fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        await this.#gather();
        const group = this.#takeGroup();
        try {
          await this.#inTurn(() => this.#commitGroup(group));
        } catch (e) {
          for (const p of group) p.reject(e);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** Waits a little for as many writes as the last commit held (see the note above). */
  async #gather(): Promise<void> {
    const expected = Math.min(this.#lastGroup, this.#opts.maxGroup ?? 256);
    if (this.#pending.length >= expected) return;
    const wait = Math.min(this.#lastMs, this.#opts.maxLingerMs ?? 25);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#arrived = () => {
        if (this.#pending.length >= expected) done();
      };
    });
    this.#arrived = undefined;
  }

  /** The oldest waiting write and, in order, the others that may share its commit. */
  #takeGroup(): Pending[] {
    const first = this.#pending[0]!;
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const paths = new Set<string>();
    const max = this.#opts.maxGroup ?? 256;
    for (const p of this.#pending) {
      const fits =
        group.length < max &&
        p.req.author.name === first.req.author.name &&
        p.req.author.email === first.req.author.email &&
        seconds(p.req.date) === seconds(first.req.date) &&
        // Two changes of one file cannot share a commit (file locks prevent it; this makes sure).
        p.req.paths.every((x) => !paths.has(x));
      if (!fits) {
        rest.push(p);
        continue;
      }
      group.push(p);
      for (const x of p.req.paths) paths.add(x);
    }
    this.#pending = rest;
    return group;
  }

  async #commitGroup(group: Pending[]): Promise<void> {
    const first = group[0]!.req;
    const paths = [...new Set(group.flatMap((p) => p.req.paths))];
    const message = group.length === 1 ? first.message : `${first.message} and ${group.length - 1} more\n\n${group.map((p) => p.req.message).join("\n")}\n`;
    const tracked = group.every((p) => p.req.tracked === true);
    const started = Date.now();
    let id: string;
    try {
      id = await this.#commitRetrying(paths, message, first.author, first.date, tracked);
    } catch (e) {
      if (group.length === 1 || (e instanceof SecretsError && e.kind === "locked")) throw e;
      // One of them may be what failed: each alone, so that the others still commit.
      for (const p of group) {
        try {
          p.resolve(await this.#commitRetrying(p.req.paths, p.req.message, p.req.author, p.req.date, p.req.tracked === true));
        } catch (e2) {
          p.reject(e2);
        }
      }
      return;
    }
    this.#lastGroup = group.length;
    this.#lastMs = Date.now() - started;
    for (const p of group) p.resolve(id);
    await this.#maintainNowAndThen();
  }

  /** Every `maintenanceEvery` commits, git's automatic maintenance; its failure changes nothing committed. */
  async #maintainNowAndThen(): Promise<void> {
    if (this.#commits === 0 || this.#commits % (this.#opts.maintenanceEvery ?? 100) !== 0) return;
    const run = { cwd: this.#top, env: this.#opts.env ?? process.env, ...(this.#opts.via ? { via: this.#opts.via } : {}) };
    await git(["maintenance", "run", "--auto", "--quiet"], run).catch(() => undefined);
  }

  /** Stages (unless `tracked`) and commits exactly `paths`; the new commit's id. */
  async #commitRetrying(paths: readonly string[], message: string, author: GitIdentity, date: Date, tracked: boolean): Promise<string> {
    // Both dates explicit: the version's created_time is the author date (versions.ts), and the
    // write's response must give the same time without reading the commit back.
    const when = `@${seconds(date)} +0000`;
    const env = {
      ...(this.#opts.env ?? process.env),
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: this.#opts.committer.name,
      GIT_COMMITTER_EMAIL: this.#opts.committer.email,
      GIT_COMMITTER_DATE: when,
    };
    const run = { cwd: this.#top, env, ...(this.#opts.via ? { via: this.#opts.via } : {}) };
    const deadline = Date.now() + (this.#opts.timeoutMs ?? 10_000);
    let add = !tracked;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        const commitNow = async (): Promise<void> => {
          if (add) await git([...DURABLE, "add", "--", ...paths], run);
          await git([...DURABLE, ...NO_AUTO_MAINTENANCE, "commit", "-q", "-m", message, "--", ...paths], run);
        };
        await (this.#opts.marks ? this.#opts.marks.around(commitNow) : commitNow());
        break;
      } catch (e) {
        if (!add && e instanceof SecretsError && NOT_KNOWN.test(e.message)) {
          // Not in the index after all (removed from it by hand): added, then committed.
          add = true;
          continue;
        }
        if (!(e instanceof SecretsError) || !INDEX_LOCKED.test(e.message)) {
          // Unstage what `git add` staged, still in this queue's turn, so that a failed commit
          // leaves the index as HEAD has it (the caller puts the work tree back).
          await git(["reset", "-q", "--", ...paths], run).catch(() => undefined);
          throw e;
        }
        if (Date.now() >= deadline) {
          throw new SecretsError("locked", "another git process holds the repository's index.lock; nothing was committed (try again, or remove .git/index.lock if no git is running)", { cause: e });
        }
        await sleep(delay);
      }
    }
    this.#commits++;
    // HEAD is this commit unless another git process committed on top of it in between: its own
    // object says (its author and message), and else nothing is told (the history cache walks again).
    const id = (await this.#head.commit()) ?? "";
    const loose = id === "" ? undefined : await this.#head.looseCommit(id);
    const mine = loose !== undefined && loose.author === author.name && loose.email === author.email && loose.message.trimEnd() === message.trimEnd();
    const early = mine && loose.parents.length === 1 ? { id, parent: loose.parents[0]!, paths } : null;
    const reading = id === "" || (loose !== undefined && !mine) ? Promise.resolve(null) : this.#readBack(id, paths, author);
    this.#reading.add(reading);
    void reading.finally(() => this.#reading.delete(reading));
    this.#opts.onCommit?.(reading, early);
    return id;
  }

  /** What commit `id` holds, when it is the one just made (author and paths); else null. Never rejects. */
  async #readBack(id: string, paths: readonly string[], author: GitIdentity): Promise<MadeCommit | null> {
    try {
      const made = await commitChanges(this.#repo(), id);
      const ours = made.commit.author === author.name && made.commit.email === author.email && sameSet(made.changes.map((c) => c.path), paths);
      return ours ? made : null;
    } catch {
      return null;
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * The git author for a token's display name (e.g. `token-ci` → `token-ci <token-ci@secrets-serve>`):
 * characters git refuses in an identity (`<`, `>`, newlines) are dropped from the name, and the email's
 * local part keeps only characters that need no quoting.
 */
export function authorFor(displayName: string): GitIdentity {
  const name = displayName.replace(/[<>\0\r\n]/g, "").trim() || "unknown";
  const local = name.replace(/[^A-Za-z0-9._+-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "unknown";
  return { name, email: `${local}@secrets-serve` };
}
