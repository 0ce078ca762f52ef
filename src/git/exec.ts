import { spawn } from "node:child_process";
import { SecretsError } from "../errors.js";

/**
 * Running git. Everything here spawns the `git` binary directly (no simple-git): the history reader
 * needs a streaming `git cat-file --batch` with many requests on one process, exact control of
 * stdin/stdout bytes, and no per-call overhead; a wrapper adds none of that.
 *
 * Failures become SecretsError kind `generic` with git's first stderr line: git's messages name
 * revisions and paths, never file contents.
 */

export interface GitOptions {
  cwd?: string;
  /** Bytes written to git's stdin (then closed). */
  input?: string | Uint8Array;
  /** Exit codes that are not failures (default: only 0). */
  okCodes?: number[];
  env?: NodeJS.ProcessEnv;
  /**
   * Kill git (SIGKILL, with whatever it started) after this long and fail with kind `generic` "timed
   * out": for git that talks to a remote (fetch), which could otherwise hang a caller for ever.
   * Default: no limit.
   */
  timeoutMs?: number;
  /** Kills git when aborted (kind `generic` "was stopped"): a long-running git a caller no longer wants (a fetch when the server stops). */
  signal?: AbortSignal;
  /**
   * Who starts the git process (default: this process, `spawn`); see {@link GitLauncher}. A git
   * with `timeoutMs` or `signal` is always started here: cutting it short kills its process group.
   */
  via?: GitLauncher;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** One git process to run: what `git()` hands a launcher (the environment is always given). */
export interface GitLaunch {
  args: readonly string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  input?: Uint8Array;
}

/**
 * Starts git processes and reports how they ended (any exit code: `git()` judges it). Rejects only
 * when git could not be run, with kind `generic`. The default launches from this process; a
 * long-running server launches through a small helper process (git/launcher-process.ts), because
 * forking a large process stalls its event loop for milliseconds.
 */
export interface GitLauncher {
  launch(run: GitLaunch): Promise<GitResult>;
}

function firstLine(s: string): string {
  const line = s.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.replace(/^(fatal|error):\s*/, "");
}

/** The subcommand among git's arguments, for messages (`-c k=v` pairs skipped). */
const subcommand = (args: readonly string[]): string => args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c") ?? "";

/** What a git that cannot be started is reported as, by every launcher. */
export const CANNOT_RUN_GIT = "cannot run git (is it installed and on PATH?)";

/** Starts git from this process. */
export function launchHere(run: GitLaunch): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", run.args, { cwd: run.cwd, env: run.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => reject(new SecretsError("generic", CANNOT_RUN_GIT, { cause: e })));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }));
    // A git that exits early (bad revision) closes its stdin: that is reported by the exit code.
    child.stdin.on("error", () => undefined);
    if (run.input !== undefined) child.stdin.end(run.input);
    else child.stdin.end();
  });
}

/** Runs `git ARGS`; resolves with its output, or throws when it exits with a code not in okCodes. */
export async function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  if (opts.via === undefined || opts.timeoutMs !== undefined || opts.signal !== undefined) return gitHere(args, opts);
  const input = typeof opts.input === "string" ? Buffer.from(opts.input, "utf8") : opts.input;
  const r = await opts.via.launch({ args, env: opts.env ?? process.env, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), ...(input !== undefined ? { input } : {}) });
  if (!(opts.okCodes ?? [0]).includes(r.code)) throw new SecretsError("generic", `git ${subcommand(args)} failed: ${firstLine(r.stderr) || `exit status ${r.code}`}`);
  return r;
}

/** `git()` from this process, which can cut it short (timeoutMs, signal). */
function gitHere(args: string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    // A git that may be cut short runs in a process group of its own, so that killing it also ends
    // what it started (a remote helper, an upload-pack), which would otherwise live on.
    const group = opts.timeoutMs !== undefined || opts.signal !== undefined;
    const child = spawn("git", args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"], detached: group });
    let cut = false;
    const cutShort = (why: string): void => {
      if (cut) return;
      cut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      // Its pipes may stay open a moment longer (a child between fork and exit): let go of them now.
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      reject(new SecretsError("generic", `git ${subcommand(args)} ${why}`));
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => cutShort(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    const onAbort = (): void => cutShort("was stopped");
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      settle();
      reject(new SecretsError("generic", CANNOT_RUN_GIT, { cause: e }));
    });
    child.on("close", (code) => {
      settle();
      if (cut) return;
      const stderr = Buffer.concat(err).toString("utf8");
      const c = code ?? 1;
      if (!(opts.okCodes ?? [0]).includes(c)) {
        reject(new SecretsError("generic", `git ${subcommand(args)} failed: ${firstLine(stderr) || `exit status ${c}`}`));
        return;
      }
      resolve({ code: c, stdout: Buffer.concat(out), stderr });
    });
    // A git that exits early (bad revision) closes its stdin: that is reported by the exit code.
    child.stdin.on("error", () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** `git ARGS` stdout as UTF-8 text. */
export async function gitText(args: string[], opts: GitOptions = {}): Promise<string> {
  return (await git(args, opts)).stdout.toString("utf8");
}

/**
 * Reads many objects through one `git cat-file --batch` process. `names` are object names git
 * understands (`<oid>`, `<rev>:<path>`, `:<path>` for the index). The result has one entry per name,
 * in order: the object's bytes, or null when it does not exist.
 */
export async function catFileBatch(names: readonly string[], opts: { cwd?: string; via?: GitLauncher } = {}): Promise<Array<Buffer | null>> {
  if (names.length === 0) return [];
  for (const n of names) {
    if (n.includes("\n")) throw new SecretsError("usage", "a path with a newline cannot be read from git");
  }
  const { stdout } = await git(["cat-file", "--batch"], { cwd: opts.cwd, input: names.join("\n") + "\n", ...(opts.via ? { via: opts.via } : {}) });
  const out: Array<Buffer | null> = [];
  let pos = 0;
  for (let i = 0; i < names.length; i++) {
    const nl = stdout.indexOf(0x0a, pos);
    if (nl < 0) throw new SecretsError("generic", "git cat-file: truncated output");
    const header = stdout.subarray(pos, nl).toString("utf8");
    pos = nl + 1;
    // `<oid> <type> <size>`, or `<name> missing` / `<name> ambiguous`.
    const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.push(null);
      continue;
    }
    const size = Number(m[3]);
    out.push(m[2] === "blob" ? stdout.subarray(pos, pos + size) : null);
    pos += size + 1; // the content is followed by a newline
  }
  return out;
}
