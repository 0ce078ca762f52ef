import { close, fstat, open, read, readFile as readFileCallback } from "node:fs";
import { SecretsError } from "../errors.js";

/**
 * `fs/promises` readFile on the callback API: loading `node:fs/promises` costs a cold start ~2 ms
 * (its FileHandle brings in streams and readline), and reading a file is all the decrypt path needs.
 * Rejects with the same errors (`code` ENOENT, EISDIR, …).
 */
export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, encoding: "utf8"): Promise<string>;
export function readFile(path: string, encoding?: "utf8"): Promise<Buffer | string> {
  return new Promise((resolve, reject) => {
    const done = (err: NodeJS.ErrnoException | null, data: Buffer | string) => (err ? reject(err) : resolve(data));
    if (encoding) readFileCallback(path, encoding, done);
    else readFileCallback(path, done);
  });
}

/** The default cap on one input (a secret file, or stdin): far above any real secrets file. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * The input size cap: `SECRETS_MAX_INPUT_BYTES` (a positive integer of bytes) or the default.
 * Throws kind `usage` for a value that is not one, rather than silently ignoring it.
 */
export function maxInputBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SECRETS_MAX_INPUT_BYTES;
  if (raw === undefined || raw === "") return DEFAULT_MAX_INPUT_BYTES;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new SecretsError("usage", "SECRETS_MAX_INPUT_BYTES must be a positive number of bytes");
  return n;
}

export function inputTooLarge(max: number): SecretsError {
  return new SecretsError("read-input", `the input is larger than ${max} bytes (the limit is set by SECRETS_MAX_INPUT_BYTES)`);
}

const CHUNK = 64 * 1024;

/**
 * Reads a whole file, but never more than `max` bytes: it reads in chunks and stops at `max + 1`,
 * so a device (`/dev/zero`), a FIFO or a file that grows cannot exhaust memory. Rejects with the
 * fs error (`code` ENOENT, EISDIR, …), or a SecretsError kind `read-input` past the cap.
 */
export function readFileCapped(path: string, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(path, "r", (err, fd) => {
      if (err) {
        reject(err);
        return;
      }
      const finish = (e: Error | null, data?: Buffer) => close(fd, () => (e ? reject(e) : resolve(data!)));
      fstat(fd, (err2, st) => {
        if (err2) {
          finish(err2);
          return;
        }
        if (st.isDirectory()) {
          finish(Object.assign(new Error("is a directory"), { code: "EISDIR" }));
          return;
        }
        // A regular file states its size: refuse it before reading a byte.
        if (st.isFile() && st.size > max) {
          finish(inputTooLarge(max));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        const next = () => {
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, max + 1 - total));
          read(fd, buf, 0, buf.length, null, (err3, n) => {
            if (err3) {
              finish(err3);
              return;
            }
            if (n === 0) {
              finish(null, Buffer.concat(chunks, total));
              return;
            }
            chunks.push(n === buf.length ? buf : buf.subarray(0, n));
            total += n;
            if (total > max) {
              finish(inputTooLarge(max));
              return;
            }
            next();
          });
        };
        next();
      });
    });
  });
}

/** Reads a stream (stdin) to its end, failing at `max + 1` bytes like `readFileCapped`. */
export async function readStreamCapped(stream: AsyncIterable<Buffer | string>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    const b = typeof c === "string" ? Buffer.from(c) : c;
    chunks.push(b);
    total += b.length;
    if (total > max) throw inputTooLarge(max);
  }
  return Buffer.concat(chunks, total);
}
