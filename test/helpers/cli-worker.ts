import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT, type Sandbox } from "./cli.js";

/** What one command run in a worker did: its exit code and what it wrote to stderr. */
export interface WorkerResult {
  code: number;
  stderr: string;
}

/**
 * A separate OS process (test/helpers/cli-worker.cjs) that runs `secrets` commands in-process, one
 * after another, in the sandbox's repository and environment: the same program as `dist/cli.js`,
 * without Node's start-up per command. For tests that need many runs from another process (writers
 * contending for a file lock); a test of the CLI as a user starts it uses Sandbox.run.
 */
export class CliWorker {
  readonly #child: ChildProcess;
  readonly #out: Buffer[] = [];
  #pending: ((r: WorkerResult) => void) | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout!.on("data", (c: Buffer) => this.#out.push(c));
    child.stderr!.on("data", (c: Buffer) => this.#out.push(c));
    child.on("message", (m: WorkerResult & { ready?: boolean }) => {
      const done = this.#pending;
      this.#pending = undefined;
      done?.({ code: m.code, stderr: m.stderr });
    });
  }

  /** Starts a worker and resolves once it has loaded the program. */
  static start(sb: Sandbox): Promise<CliWorker> {
    const child = fork(join(ROOT, "test", "helpers", "cli-worker.cjs"), [], { cwd: sb.repo, env: sb.env, execArgv: [], stdio: ["ignore", "pipe", "pipe", "ipc"] });
    const worker = new CliWorker(child);
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the CLI worker exited (${code}) before it was ready: ${worker.output()}`)));
      worker.#pending = () => resolve(worker);
    });
  }

  /** Runs `secrets ARGS` in the worker; one command at a time. */
  run(args: string[]): Promise<WorkerResult> {
    if (this.#pending) throw new Error("the CLI worker runs one command at a time");
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#child.send({ args });
    });
  }

  /** Everything the worker wrote to its stdout and stderr outside the captured stderr of its commands. */
  output(): string {
    return Buffer.concat(this.#out).toString("utf8");
  }

  /** Ends the worker (it exits once its IPC channel closes) and resolves with its exit code; again, at once. */
  stop(): Promise<number | null> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", (code) => resolve(code));
      if (child.connected) child.disconnect();
    });
  }
}
