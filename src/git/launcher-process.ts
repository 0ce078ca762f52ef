import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { SecretsError } from "../errors.js";
import { CANNOT_RUN_GIT, launchHere, type GitLaunch, type GitLauncher, type GitResult } from "./exec.js";

/**
 * git started from a small helper process, for a long-running server. Starting a process forks the
 * one that starts it, and the fork copies its page tables while its event loop waits: ~4 ms for a
 * server holding 120 MB on the reference machine (tens of ms when the machine is busy), on every
 * git the server runs — a commit, a history walk, a blob read. The helper is a bare `node` with
 * nothing loaded, whose forks cost a fraction of that, and they happen in it, not in the server's
 * event loop; the server only writes a line to a pipe and reads one back.
 *
 * The protocol: one JSON line per launch on the helper's stdin (`{id, args, cwd, env, input}`,
 * input in base64), one JSON line per finished git on its stdout (`{id, code, stdout, stderr}`,
 * stdout in base64; or `{id, error}` when git could not be started). What git prints goes back
 * unchanged, and nothing else crosses the pipe; the environment is the one the server would have
 * given git itself.
 *
 * The helper ends when its stdin closes and its last git has ended (the server exiting, however it exits): gits it started
 * run to their end, as they would if the server had started them and died. Should the helper
 * itself die, the launches it was running fail (whether they ran is unknown, so none is run
 * again) and later ones are started from the server's own process. One per server; the helper is
 * started on the first launch.
 */

const HELPER = String.raw`
"use strict";
const { spawn } = require("node:child_process");
let buffered = "";
const reply = (r) => process.stdout.write(JSON.stringify(r) + "\n");
function launch(req) {
  let done = false;
  const finish = (r) => { if (done) return; done = true; reply(r); };
  let child;
  try {
    child = spawn("git", req.args, { cwd: req.cwd, env: req.env, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    finish({ id: req.id, error: String((e && e.code) || "spawn failed") });
    return;
  }
  const out = [];
  const err = [];
  child.stdout.on("data", (c) => out.push(c));
  child.stderr.on("data", (c) => err.push(c));
  child.on("error", (e) => finish({ id: req.id, error: String((e && e.code) || "spawn failed") }));
  child.on("close", (code) => finish({ id: req.id, code: code === null ? 1 : code, stdout: Buffer.concat(out).toString("base64"), stderr: Buffer.concat(err).toString("utf8") }));
  child.stdin.on("error", () => {});
  child.stdin.end(req.input === undefined ? undefined : Buffer.from(req.input, "base64"));
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    launch(JSON.parse(line));
  }
});
// Once stdin ends and the last git has closed, nothing is left to wait for: the helper exits,
// after its answers are written.
`;

/** A child's pipe is a socket, which can stop keeping the event loop alive; a stream's type does not say so. */
interface Refable {
  ref?: () => void;
  unref?: () => void;
}
const pipe = (stream: unknown) => stream as Refable;

interface Pending {
  resolve: (r: GitResult) => void;
  reject: (e: unknown) => void;
}

interface Reply {
  id: number;
  code?: number;
  stdout?: string;
  stderr?: string;
  error?: string;
}

export class ProcessGitLauncher implements GitLauncher {
  #child: ChildProcessWithoutNullStreams | undefined;
  /** The helper could not be started or died: launch from this process from now on. */
  #broken = false;
  #next = 0;
  readonly #pending = new Map<number, Pending>();
  #received = "";
  #launches = 0;

  /** How many launches went through the helper (tests). */
  get launches(): number {
    return this.#launches;
  }

  launch(run: GitLaunch): Promise<GitResult> {
    const child = this.#helper();
    if (!child) return launchHere(run);
    const id = this.#next++;
    this.#launches++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Busy: the pipe keeps the server's event loop alive until the answer came.
      if (this.#pending.size === 1) pipe(child.stdout).ref?.();
      const line = JSON.stringify({ id, args: run.args, cwd: run.cwd, env: run.env, ...(run.input !== undefined ? { input: Buffer.from(run.input).toString("base64") } : {}) });
      child.stdin.write(`${line}\n`);
    });
  }

  /** Stops the helper once the launches it runs have finished (their answers still arrive). */
  close(): void {
    this.#broken = true;
    this.#child?.stdin.end();
  }

  #helper(): ChildProcessWithoutNullStreams | undefined {
    if (this.#broken) return undefined;
    if (this.#child) return this.#child;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(process.execPath, ["-e", HELPER], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
    } catch {
      this.#broken = true;
      return undefined;
    }
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.#receive(chunk));
    child.stderr.resume();
    child.stdin.on("error", () => undefined);
    child.on("error", () => this.#died());
    // `close`, not `exit`: answers still in the pipe are read first.
    child.on("close", () => this.#died());
    // Idle, it must not keep the server running (see launch for when it does).
    child.unref();
    pipe(child.stdin).unref?.();
    pipe(child.stdout).unref?.();
    pipe(child.stderr).unref?.();
    this.#child = child;
    return child;
  }

  #receive(chunk: string): void {
    this.#received += chunk;
    for (let nl = this.#received.indexOf("\n"); nl >= 0; nl = this.#received.indexOf("\n")) {
      const line = this.#received.slice(0, nl);
      this.#received = this.#received.slice(nl + 1);
      const r = JSON.parse(line) as Reply;
      const p = this.#pending.get(r.id);
      if (!p) continue;
      this.#pending.delete(r.id);
      if (this.#pending.size === 0 && this.#child) pipe(this.#child.stdout).unref?.();
      if (r.error !== undefined) p.reject(new SecretsError("generic", CANNOT_RUN_GIT));
      else p.resolve({ code: r.code ?? 1, stdout: Buffer.from(r.stdout ?? "", "base64"), stderr: r.stderr ?? "" });
    }
  }

  #died(): void {
    this.#broken = true;
    this.#child = undefined;
    for (const p of this.#pending.values()) p.reject(new SecretsError("generic", "the git helper process ended while git ran; whether it finished is unknown"));
    this.#pending.clear();
  }
}
