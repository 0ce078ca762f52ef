import { lstatSync, writeSync } from "node:fs";
import { SecretsError } from "../errors.js";
import { removeStaleTemps, writeFileAtomic } from "../io/atomic.js";
import { maxInputBytes, readStreamCapped } from "../io/read.js";

let stdoutStream = false;

/**
 * Writes bytes to stdout and resolves once they are written (so the exit code follows the data).
 *
 * Straight to fd 1: creating `process.stdout` costs a cold start ~2 ms on a file and ~5 ms on a pipe
 * (it loads `net`), and every command's output goes through here. A stdout that is non-blocking and
 * full (EAGAIN) gets the rest through `process.stdout`, which waits for it; from then on everything
 * goes that way, so the output keeps its order.
 */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let written = 0;
  if (!stdoutStream) {
    try {
      while (written < bytes.length) written += writeSync(1, bytes, written, bytes.length - written);
      return Promise.resolve();
    } catch (e) {
      // writeSync throws Node system errors (Error instances with a code).
      const err = e as NodeJS.ErrnoException;
      if (err.code !== "EAGAIN") return Promise.reject(err);
      stdoutStream = true;
    }
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes.subarray(written), (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Writes a command's result to `--output FILE` (atomically; plaintext gets mode 0600) or stdout.
 */
export async function writeResult(data: Uint8Array, output: string | undefined, opts: { plaintext: boolean }): Promise<void> {
  if (output === undefined || output === "-") return writeStdout(data);
  // Plaintext never goes through a link: it could land anywhere, and removing the link leaves it there.
  if (opts.plaintext && lstatSync(output, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new SecretsError("write-output", "is a symbolic link: plaintext is never written through one (name the real file, or remove the link)", { file: output });
  }
  // A killed earlier `decrypt --output` of this target left its plaintext temp file: remove it.
  await removeStaleTemps(output);
  await writeFileAtomic(output, data, opts.plaintext ? { mode: 0o600 } : undefined);
}

/** All of stdin, at most `SECRETS_MAX_INPUT_BYTES` (64 MiB by default). */
export async function readStdin(): Promise<Buffer> {
  return readStreamCapped(process.stdin, maxInputBytes());
}

/** Asks a yes/no question on the terminal; without one, refuses and points at `--yes`. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new SecretsError("usage", "confirmation needed: re-run with --yes");
  // Loaded here: readline is a dozen Node modules that only a question needs.
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    return a === "y" || a === "yes";
  } finally {
    rl.close();
  }
}

export function info(line: string): void {
  process.stderr.write(line + "\n");
}
