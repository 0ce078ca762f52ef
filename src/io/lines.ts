import { createReadStream } from "node:fs";
import { SecretsError } from "../errors.js";

/**
 * A file read line by line in bounded memory: for logs that can be far larger than memory (the
 * audit log). node:readline would do the splitting, but it keeps a line of any length in memory
 * and does not say whether the last line ended with a newline, which is how a line cut by a crash,
 * a rotation or a writer still at work is told from a whole one.
 */

/** One line of a file. */
export interface FileLine {
  /** 1-based. */
  readonly number: number;
  /** The line without its `\n` (nor a `\r` before it), as UTF-8; null when it was longer than the cap (it was skipped unread). */
  readonly text: string | null;
  /** False for a last line without a final newline. */
  readonly terminated: boolean;
}

const NEWLINE = 0x0a;

function decode(parts: readonly Buffer[], length: number): string {
  const text = Buffer.concat(parts, length).toString("utf8");
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/**
 * The lines of `file`, in order. Memory holds one chunk and at most `maxLineBytes` of one line: a
 * longer line is dropped as it streams by and reported with `text: null`. Rejects with a
 * SecretsError `read-input` naming the file when it cannot be opened or read.
 */
export async function* fileLines(file: string, maxLineBytes: number): AsyncGenerator<FileLine> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  const cannotRead = (cause: unknown) => {
    const code = (cause as NodeJS.ErrnoException).code;
    return new SecretsError("read-input", code === "EISDIR" ? "is a directory" : `cannot read the file (${code ?? "error"})`, { file, cause });
  };
  // The line being read: its pieces so far, or only that it is too long (its pieces dropped).
  const current = { parts: [] as Buffer[], length: 0, tooLong: false };
  let number = 0;
  const take = (piece: Buffer) => {
    if (current.tooLong) return;
    if (current.length + piece.length > maxLineBytes) {
      Object.assign(current, { parts: [], length: 0, tooLong: true });
      return;
    }
    current.parts.push(piece);
    current.length += piece.length;
  };
  const line = (terminated: boolean): FileLine => {
    const out = { number: ++number, text: current.tooLong ? null : decode(current.parts, current.length), terminated };
    Object.assign(current, { parts: [], length: 0, tooLong: false });
    return out;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        take(chunk.subarray(start, nl));
        start = nl + 1;
        yield line(true);
      }
      if (start < chunk.length) take(chunk.subarray(start));
    }
  } catch (e) {
    throw cannotRead(e);
  } finally {
    stream.destroy();
  }
  if (current.length > 0 || current.tooLong) yield line(false);
}
