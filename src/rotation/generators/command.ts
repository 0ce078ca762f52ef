/**
 * The `command` generator, for third-party APIs: `command` (a program and its arguments, run
 * without a shell) prints the new value on stdout; one trailing newline is removed. Optional `set`
 * and `test` programs get the pending value on stdin and must exit 0. A program that fails, times
 * out or prints nothing fails the step; the runner then leaves the current value untouched. What a
 * program prints on stderr is dropped, never shown (it could echo the value); messages name the
 * program and its exit status only.
 *
 * The environment is the runner's, plus `SECRET_PATH` (the secret's path) and, for `set`/`test`,
 * `SECRET_KEY` (the key being rotated).
 */
import { spawn } from "node:child_process";
import type { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { SecretsError } from "../../errors.js";
import type { RotationGenerator, RotationTarget } from "../generator.js";
import type { CommandGenerator as CommandOptions } from "../schema.js";

const DEFAULT_TIMEOUT_MS = 30_000;
/** A value is a secret, not a document: more than this on stdout is refused. */
const MAX_OUTPUT_BYTES = 1 << 20;

function timeoutMs(t: number | string | undefined): number {
  if (t === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof t === "number") return t * 1000;
  const parsed = parseDurationSeconds(t);
  return "seconds" in parsed ? parsed.seconds * 1000 : DEFAULT_TIMEOUT_MS;
}

/** Runs `argv`, stdin `input`; resolves with stdout. Rejects with kind `engine-failed` (or `command-not-found`). */
export function runProgram(argv: readonly string[], opts: { input?: string; env: NodeJS.ProcessEnv; timeoutMs: number; what: string }): Promise<string> {
  const [program, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: opts.env, stdio: ["pipe", "pipe", "ignore"], shell: false });
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: SecretsError | undefined;
    const timer = setTimeout(() => {
      failed = new SecretsError("engine-failed", `${opts.what}: ${program} did not finish within ${Math.round(opts.timeoutMs / 1000)}s`);
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stdout.on("data", (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT_BYTES) {
        failed ??= new SecretsError("engine-failed", `${opts.what}: ${program} printed more than 1 MiB`);
        child.kill("SIGKILL");
        return;
      }
      chunks.push(b);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === "ENOENT" ? new SecretsError("command-not-found", `${opts.what}: command not found: ${program}`) : new SecretsError("engine-failed", `${opts.what}: ${program} could not be started (${e.code ?? "error"})`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0) reject(new SecretsError("engine-failed", `${opts.what}: ${program} ${signal ? `was killed by ${signal}` : `exited with status ${String(code)}`}`));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

export function commandGenerator(options: z.infer<typeof CommandOptions>, env: NodeJS.ProcessEnv): RotationGenerator {
  const ms = timeoutMs(options.timeout);
  const envOf = (target: RotationTarget, key?: string): NodeJS.ProcessEnv => ({ ...env, SECRET_PATH: target.secret, ...(key !== undefined ? { SECRET_KEY: key } : {}) });
  const each = async (target: RotationTarget, pending: Readonly<Record<string, string>>, argv: readonly string[] | undefined, what: string) => {
    if (!argv) return;
    for (const [key, value] of Object.entries(pending)) await runProgram(argv, { input: value, env: envOf(target, key), timeoutMs: ms, what });
  };
  return {
    type: "command",
    async create(target) {
      const out: Record<string, string> = {};
      for (const key of Object.keys(target.current)) {
        const printed = (await runProgram(options.command, { env: envOf(target, key), timeoutMs: ms, what: "the command generator" })).replace(/\r?\n$/, "");
        if (printed === "") throw new SecretsError("engine-failed", `the command generator: ${options.command[0]} printed no value`);
        out[key] = printed;
      }
      return out;
    },
    set: (target, pending) => each(target, pending, options.set, "the set command"),
    test: (target, pending) => each(target, pending, options.test, "the test command"),
    finish: () => Promise.resolve(),
  };
}
