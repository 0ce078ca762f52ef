/**
 * Crash-safe file writes, and private temp directories.
 *
 * sops truncates and rewrites files in place, so a crash or a full disk mid-write loses the file
 * (docs/sops-format.md §9). `writeFileAtomic` never leaves a half-written target: the data goes to a temp file in the
 * same directory (same filesystem, so the rename is atomic), is fsynced, then renamed over the target,
 * and the directory is fsynced so the rename itself survives a power cut. A failure at any step leaves
 * the old file as it was and removes the temp file.
 *
 * Modes:
 * - the temp file is created 0600 with O_EXCL, so nobody else can open it while it is written;
 * - `opts.mode`, when given, is the final mode (callers writing plaintext pass 0o600);
 * - otherwise an existing target keeps its mode (permission bits, setgid etc. excluded);
 * - otherwise a new file gets 0666 minus the umask (0644 with the usual umask 022), as sops' os.Create
 *   does: an encrypted file is meant to be committed and read by tools, it is not secret. It stays 0600
 *   until it has been renamed into place.
 * A symlink target is followed: the file it points to is replaced, the link stays.
 * Ownership is not carried over (a file rewritten by root becomes root's), as with most editors.
 *
 * Every `fs.promises` call is looked up on that object when it runs (`fsp.open(…)`), so tests can
 * make one step fail with `vi.spyOn(fs.promises, …)`. Named imports only: a default import of a
 * built-in costs the CLI bundle a copy of all its exports at start-up.
 */
import { constants, promises as fsp, rmSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { SecretsError } from "../errors.js";

export interface WriteOptions {
  /** Final permission bits of the file (e.g. 0o600 for plaintext). */
  mode?: number;
}

function describe(e: unknown): string {
  // Anything can be thrown, null included.
  const err = e as NodeJS.ErrnoException | null | undefined;
  if (err && typeof err.code === "string") {
    const syscall = err.syscall ? `${err.syscall} ` : "";
    return `${syscall}${err.code}`;
  }
  return e instanceof Error ? e.name : "unknown error";
}

function writeError(target: string, e: unknown): SecretsError {
  if (e instanceof SecretsError && e.kind === "write-output") return e;
  return new SecretsError("write-output", `could not write ${target}: ${describe(e)}`, { cause: e });
}

function currentUmask(): number {
  // process.umask() without an argument reads the mask (documentation-only deprecation; fine in workers).
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- reading the umask has no replacement API, and the race it warns of needs threads that change it.
  return process.umask();
}

/** The real path to replace: symlinks followed, relative paths resolved. */
async function resolveTarget(target: string): Promise<{ real: string; existingMode: number | undefined }> {
  const abs = resolve(target);
  try {
    const real = await fsp.realpath(abs);
    const st = await fsp.stat(real);
    if (st.isDirectory()) {
      const err = new Error("is a directory") as NodeJS.ErrnoException;
      err.code = "EISDIR";
      throw err;
    }
    return { real, existingMode: st.mode & 0o777 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  // A dangling symlink: write where it points, as `echo > link` would.
  try {
    const link = await fsp.readlink(abs);
    return { real: resolve(dirname(abs), link), existingMode: undefined };
  } catch {
    return { real: abs, existingMode: undefined };
  }
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(dir, "r");
    await fh.sync();
  } catch (e) {
    // Some filesystems cannot fsync a directory; the data itself is already synced.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR" && code !== "EPERM" && code !== "EACCES") throw e;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Atomically replaces (or creates) `target` with `data`. Throws SecretsError kind `write-output`
 * naming the path (never the data); on failure the old file, if any, is untouched and no temp file
 * is left behind.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
  let tmp: string | undefined;
  let fh: FileHandle | undefined;
  try {
    const { real, existingMode } = await resolveTarget(target);
    const dir = dirname(real);
    const base = basename(real);
    for (let attempt = 0; ; attempt++) {
      const candidate = join(dir, tempName(base));
      try {
        fh = await fsp.open(candidate, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        tmp = candidate;
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 10) throw e;
      }
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    await fh.writeFile(bytes);
    // chmod explicitly: the open() mode is filtered by the umask, and an explicit mode must not be.
    // A replaced file gets its final mode before the rename, so it never shows up under the wrong one;
    // a new file stays 0600 until it is in place, then gets the umask default through the same fd.
    const finalMode = opts.mode ?? existingMode;
    if (finalMode !== undefined) await fh.chmod(finalMode & 0o7777);
    await fh.sync();
    await fsp.rename(tmp, real);
    tmp = undefined;
    if (finalMode === undefined) {
      // Failing here leaves a complete file that is only more private than asked: not an error.
      await fh.chmod(0o666 & ~currentUmask()).catch(() => undefined);
    }
    await fh.close();
    fh = undefined;
    await fsyncDir(dir);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    if (tmp) await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(target, e);
  }
}

/**
 * The temp file a writer of `base` uses: `.<base>.<pid>.<random>.tmp`. The pid lets a later writer
 * tell the leftovers of a killed writer (whose pid is gone) from a live writer's file.
 */
function tempName(base: string): string {
  return `.${base}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
}

const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** For a temp file name of ours, the target's base name and the writer's pid; else undefined. */
export function parseTempName(name: string): { base: string; pid: number } | undefined {
  const m = TEMP_RE.exec(name);
  return m ? { base: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Whether no process has this pid (never true of this process; a pid of another user's process is not gone). */
export function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Whether a file name is a temp file of ours whose writer is gone. */
export function isStaleTemp(name: string): boolean {
  const t = parseTempName(name);
  return t !== undefined && processGone(t.pid);
}

/**
 * The temp files beside `target` left by writers that were killed (their pid is gone): a killed
 * `decrypt --output` leaves plaintext there, a killed `set` ciphertext that `git add -A` would pick
 * up. `verify` names these; writers remove them (`removeStaleTemps`).
 */
export async function staleTempsBeside(target: string): Promise<string[]> {
  const abs = resolve(target);
  const dir = dirname(abs);
  const base = basename(abs);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      const t = parseTempName(n);
      return t !== undefined && t.base === base && processGone(t.pid);
    })
    .map((n) => join(dir, n));
}

/** Removes the stale temp files of `target` (see staleTempsBeside); returns the paths removed. */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const stale = await staleTempsBeside(target);
  await Promise.all(stale.map((f) => fsp.rm(f, { force: true }).catch(() => undefined)));
  return stale;
}

export interface PrivateTempDir {
  /** Absolute path of the directory (mode 0700). */
  readonly path: string;
  /** Removes the directory and everything in it. Safe to call more than once. */
  cleanup(): Promise<void>;
  /** The same, synchronously: for signal and exit handlers. */
  cleanupSync(): void;
}

/**
 * Creates a fresh directory only the current user can enter (0700) under `parent` (tmpdir() by
 * default), for plaintext that must touch the disk (the `edit` command's file). Throws SecretsError
 * kind `write-output`.
 */
export async function makePrivateTempDir(prefix = "gitops-secrets-", parent = tmpdir()): Promise<PrivateTempDir> {
  if (prefix.includes("/") || prefix.includes("\\") || prefix.includes("\0")) {
    throw new SecretsError("usage", "temp directory prefix must be a plain name");
  }
  let dir: string | undefined;
  try {
    dir = await fsp.mkdtemp(join(parent, prefix));
    await fsp.chmod(dir, 0o700);
  } catch (e) {
    if (dir) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new SecretsError("write-output", `could not create a private temp directory in ${parent}: ${describe(e)}`, { cause: e });
  }
  let removed = false;
  const created = dir;
  return {
    path: created,
    async cleanup() {
      if (removed) return;
      await fsp.rm(created, { recursive: true, force: true });
      removed = true;
    },
    cleanupSync() {
      if (removed) return;
      rmSync(created, { recursive: true, force: true });
      removed = true;
    },
  };
}
