/**
 * A file read on every call but parsed only when it changed: a store answers every request from
 * the file as it is now (a `git pull` or another process may have replaced it), at the cost of a
 * `stat`. Writers here replace files by rename (src/io/atomic.ts), so a new inode, size or mtime
 * marks a new content. One per store instance: nothing is shared between instances.
 */
import { promises as fsp, statSync } from "node:fs";
import { SecretsError } from "../errors.js";

export class CachedFile<T> {
  #seen: { key: string; value: T } | undefined;

  constructor(
    readonly path: string,
    private readonly parse: (text: string) => T,
    private readonly absent: () => T,
  ) {}

  /** The parsed content now; `absent()` when there is no file. Kind `read-input` when it cannot be read. */
  async read(): Promise<T> {
    let key: string;
    try {
      // Synchronous, and without an error for a missing file: one system call on every request,
      // where an asynchronous stat costs thread-pool round trips and an absent file an exception.
      const st = statSync(this.path, { throwIfNoEntry: false });
      if (st === undefined) return this.absent();
      key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch (e) {
      throw new SecretsError("read-input", `could not read ${this.path}`, { cause: e });
    }
    if (this.#seen?.key === key) return this.#seen.value;
    let text: string;
    try {
      text = await fsp.readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return this.absent();
      throw new SecretsError("read-input", `could not read ${this.path}`, { cause: e });
    }
    const value = this.parse(text);
    this.#seen = { key, value };
    return value;
  }

  /** The content read afresh, bypassing the cache: for read-modify-write under the file's lock. */
  async readFresh(): Promise<T> {
    this.#seen = undefined;
    return this.read();
  }
}
