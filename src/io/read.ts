import { readFile as readFileCallback } from "node:fs";

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
