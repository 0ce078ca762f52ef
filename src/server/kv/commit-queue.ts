import { SecretsError } from "../../errors.js";
import { commitPaths } from "../../git/commit.js";
import { git } from "../../git/exec.js";
import type { GitOperationMarks } from "../../git/stale-locks.js";

/**
 * The server's commits to one repository, one at a time. Git allows one writer of the index
 * (`.git/index.lock`): two `git commit`s at once fail, so every commit of one repository goes
 * through one queue (one instance per repository, held by the KV write context: no module state).
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

export interface CommitRequest {
  /** Repo-relative, `/`-separated; each changed in the work tree (a removal included). */
  paths: readonly string[];
  message: string;
  author: GitIdentity;
  /** Author date = commit date = this time (whole seconds are kept). */
  date: Date;
}

export interface CommitQueueOptions {
  /** Who commits (the server); the author is each request's own. */
  committer: GitIdentity;
  /** How long a commit waits for an index locked by another git process (default 10 s). */
  timeoutMs?: number;
  /** The environment git otherwise runs with (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * Marks each commit while its git runs, so that a later start can remove the git locks a
   * killed server left (src/git/stale-locks.ts). Default: unmarked.
   */
  marks?: GitOperationMarks;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CommitQueue {
  readonly #top: string;
  readonly #opts: CommitQueueOptions;
  #tail: Promise<unknown> = Promise.resolve();

  /** `top`: the work tree's top level. */
  constructor(top: string, opts: CommitQueueOptions) {
    this.#top = top;
    this.#opts = opts;
  }

  /** Commits exactly `paths` after every earlier commit of this queue has settled; the new commit's id. */
  commit(req: CommitRequest): Promise<string> {
    return this.exclusive(() => this.#commitRetrying(req));
  }

  /**
   * Runs `fn` — git work that takes the index or a ref, such as a fast-forward — in this queue's
   * turn, after every earlier commit has settled and before any later one starts, marked as a
   * commit is.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => (this.#opts.marks ? this.#opts.marks.around(fn) : fn());
    const next = this.#tail.catch(() => undefined).then(run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #commitRetrying(req: CommitRequest): Promise<string> {
    const seconds = Math.floor(req.date.getTime() / 1000);
    // Both dates explicit: the version's created_time is the author date (versions.ts), and the
    // write's response must give the same time without reading the commit back.
    const when = `@${seconds} +0000`;
    const env = {
      ...(this.#opts.env ?? process.env),
      GIT_AUTHOR_NAME: req.author.name,
      GIT_AUTHOR_EMAIL: req.author.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: this.#opts.committer.name,
      GIT_COMMITTER_EMAIL: this.#opts.committer.email,
      GIT_COMMITTER_DATE: when,
    };
    const deadline = Date.now() + (this.#opts.timeoutMs ?? 10_000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        return await commitPaths(this.#top, req.paths, req.message, { env });
      } catch (e) {
        if (!(e instanceof SecretsError) || !INDEX_LOCKED.test(e.message)) {
          // Unstage what `git add` staged, still in this queue's turn, so that a failed commit
          // leaves the index as HEAD has it (the caller puts the work tree back).
          await git(["reset", "-q", "--", ...req.paths], { cwd: this.#top, env }).catch(() => undefined);
          throw e;
        }
        if (Date.now() >= deadline) {
          throw new SecretsError("locked", "another git process holds the repository's index.lock; nothing was committed (try again, or remove .git/index.lock if no git is running)", { cause: e });
        }
        await sleep(delay);
      }
    }
  }
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
