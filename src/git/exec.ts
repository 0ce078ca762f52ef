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
  /** Who starts the git process (default: this process, `spawn`); see {@link GitLauncher}. */
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
  const input = typeof opts.input === "string" ? Buffer.from(opts.input, "utf8") : opts.input;
  const run: GitLaunch = { args, env: opts.env ?? process.env, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), ...(input !== undefined ? { input } : {}) };
  const r = await (opts.via ? opts.via.launch(run) : launchHere(run));
  if (!(opts.okCodes ?? [0]).includes(r.code)) {
    throw new SecretsError("generic", `git ${args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-c") ?? ""} failed: ${firstLine(r.stderr) || `exit status ${r.code}`}`);
  }
  return r;
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
