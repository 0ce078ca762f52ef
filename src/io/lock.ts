/**
 * Per-file write locks, so that two writers of one secrets file never lose an update.
 *
 * sops reads, changes and rewrites a file with no lock: of two concurrent `set`s one is lost, both
 * exiting 0. Every read-modify-write of a file here runs inside `withFileLock(file, …)`, which holds
 * `.<name>.lock` beside the file for the duration, and re-reads the file inside it. The same call
 * serves the CLI, the SDK and the server.
 *
 * The lock file is created with O_EXCL (atomic on every local filesystem) and holds its owner's pid,
 * host name, start time and a random nonce. A holder that died without removing it (SIGKILL, power
 * cut) is recovered from at once when it ran on this host and its pid is gone, and otherwise once the
 * lock is older than `staleMs` (a write holds it for milliseconds; a lock that old is abandoned).
 * Not proper-lockfile: it recognises a dead holder only by an mtime it must keep refreshing on a
 * timer (seconds of delay after a crash, a timer in every process); the pid answers at once.
 *
 * Recovery renames the stale lock to a unique name and reads it back: if what was renamed is not the
 * lock judged stale (another writer recovered and re-locked in between), it is linked back into place,
 * so that a live holder's lock is never removed.
 *
 * Within one process, writers of one file also queue on a per-lock-set promise chain (`LockSet`), so
 * that 100 concurrent `set()` calls of one SDK client do not poll the file system against each other.
 */
import { constants, promises as fsp, realpathSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { SecretsError } from "../errors.js";
import { processGone, removeStaleTemps } from "./atomic.js";

export interface LockOptions {
  /** How long to wait for the lock before failing with kind `locked` (default 10 s, or $SECRETS_LOCK_TIMEOUT). */
  timeoutMs?: number;
  /** Age after which a lock whose holder cannot be checked (another host) counts as abandoned (default 60 s). */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  created: number;
  nonce: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The default wait, `SECRETS_LOCK_TIMEOUT` when set (`500ms`, `30s`, or milliseconds), read when a
 * lock is taken so that a long-running process sees no stale copy.
 */
function defaultTimeoutMs(): number {
  const text = process.env.SECRETS_LOCK_TIMEOUT;
  if (text === undefined || text === "") return DEFAULT_TIMEOUT_MS;
  const m = /^(\d{1,9})(ms|s)?$/.exec(text.trim());
  if (!m) throw new SecretsError("usage", "SECRETS_LOCK_TIMEOUT must be a duration such as 500ms or 30s");
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}
const DEFAULT_STALE_MS = 60_000;
const TORN_MS = 2_000;

/**
 * The lock file of a target: `.<name>.lock` beside the file's real location, so that a path through
 * a symbolic link and the file itself share one lock (writeFileAtomic replaces the real file).
 */
export function lockPathFor(target: string): string {
  let real = resolve(target);
  try {
    real = realpathSync(real);
  } catch {
    try {
      real = join(realpathSync(dirname(real)), basename(real)); // a file not created yet
    } catch {
      // No folder either: the caller's open fails and names the path.
    }
  }
  return join(dirname(real), `.${basename(real)}.lock`);
}

/** Whether a file name is one of our lock files (enumerations of secret files skip them). */
export function isLockFileName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".lock");
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === "number" && typeof h.host === "string" && typeof h.created === "number" && typeof h.nonce === "string") return h as Holder;
  } catch {
    // A lock file being written (or torn by a crash) parses as nothing; its mtime decides.
  }
  return undefined;
}

/** Whether a lock (its holder as read, last changed at `mtimeMs`) was left by a dead holder. */
function isStale(holder: Holder | undefined, mtimeMs: number, staleMs: number, now: number): boolean {
  // A reused pid keeps a dead holder's lock looking alive: the age bound recovers that case too.
  if (now - mtimeMs > staleMs) return true;
  // Unreadable: its writer died between creating and filling it (it writes within microseconds).
  if (holder === undefined) return now - mtimeMs > TORN_MS;
  return holder.host === hostname() && processGone(holder.pid);
}

// @types/node declares O_NOFOLLOW as always present, but Windows has none.
const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW;

async function tryCreate(path: string, holder: Holder): Promise<boolean> {
  let fh;
  try {
    fh = await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (noFollow ?? 0), 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(JSON.stringify(holder));
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes the lock at `path` if it is still the stale one read as `text`. */
async function recover(path: string, text: string): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString("hex")}.stale`;
  try {
    await fsp.rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // someone else recovered it
    throw e;
  }
  const moved = await fsp.readFile(aside, "utf8").catch(() => text);
  if (moved !== text) {
    // Another writer recovered the stale lock and took the lock in between: give it back.
    await fsp.link(aside, path).catch(() => undefined);
  }
  await fsp.rm(aside, { force: true });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the write lock of `target` (which need not exist yet). Waits up to
 * `timeoutMs`, polling with backoff; then throws SecretsError kind `locked` naming the file, having
 * changed nothing. The lock is released however `fn` ends.
 */
export async function withFileLock<T>(target: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const path = lockPathFor(target);
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs();
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const holder: Holder = { pid: process.pid, host: hostname(), created: Date.now(), nonce: randomBytes(8).toString("hex") };
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    let created: boolean;
    try {
      created = await tryCreate(path, holder);
    } catch (e) {
      throw new SecretsError("write-output", `could not take the write lock (${(e as NodeJS.ErrnoException).code ?? "error"})`, { file: target, cause: e });
    }
    if (created) break;
    const [text, st] = await Promise.all([fsp.readFile(path, "utf8").catch(() => undefined), fsp.lstat(path).catch(() => undefined)]);
    if (text !== undefined && st && isStale(parseHolder(text), st.mtimeMs, staleMs, Date.now())) {
      await recover(path, text);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new SecretsError("locked", `another writer holds ${basename(path)}; nothing was changed (try again, or remove the lock if no writer is running)`, { file: target });
    }
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 100);
  }
  try {
    // Under the lock no live writer of this file can be mid-write, so leftovers are a killed writer's.
    await removeStaleTemps(target);
    return await fn();
  } finally {
    // Remove only our own lock: never one a recoverer has given to another writer.
    const text = await fsp.readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined && parseHolder(text)?.nonce === holder.nonce) await fsp.rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * For writers whose change was made from an earlier read (an edit session, a repository-wide plan,
 * an import): runs `fn` under the lock of `target` only if the file still holds `planned` (null: it
 * still does not exist). Otherwise throws SecretsError kind `conflict` with `what` (a phrase such as
 * "while you edited"), having written nothing: the other writer's change is never overwritten.
 */
export async function withUnchangedFile<T>(target: string, planned: Uint8Array | null, what: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  return withFileLock(
    target,
    async () => {
      // Unreadable now (e.g. replaced by a folder) counts as changed too.
      const now = await fsp.readFile(target).catch((e: unknown) => ((e as NodeJS.ErrnoException).code === "ENOENT" ? null : "unreadable"));
      const same = now === "unreadable" ? false : now === null || planned === null ? now === planned : Buffer.from(planned).equals(now);
      if (!same) throw new SecretsError("conflict", `changed by another writer ${what}; nothing was written to it`, { file: target });
      return fn();
    },
    opts,
  );
}

/**
 * Serialises the writes of one object (an SDK client, a server workspace) per file before they
 * contend for the file lock. One instance per owner: there is no module-level queue.
 */
export class LockSet {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #opts: LockOptions;

  constructor(opts: LockOptions = {}) {
    this.#opts = opts;
  }

  /** `withFileLock(target, fn)`, after every earlier call of this set for the same file has settled. */
  run<T>(target: string, fn: () => Promise<T>): Promise<T> {
    const key = lockPathFor(target);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => withFileLock(target, fn, this.#opts));
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
