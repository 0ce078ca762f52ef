/**
 * The server's writes against git work that replaces files under them (the fast-forward of
 * `--pull-interval`, src/server/pull.ts). A write reads a file under its lock, writes the new file
 * and commits it; a fast-forward that changed that file in between would be undone by the write's
 * commit, and one that found the write's uncommitted file would refuse to run. So every write runs
 * in `shared` (any number at once) and the fast-forward in `exclusive`, which waits for the writes
 * in flight to finish and holds new ones back until it is done (it is preferred: writes never
 * starve it). One gate per repository, held by its write context; `exclusive` must not call
 * `shared` (it would wait for itself).
 */
export class WriteGate {
  #shared = 0;
  /** Resolves the exclusive holder waiting for the writes in flight to finish. */
  #drained: (() => void) | null = null;
  /** The last exclusive run queued, until it settles. */
  #exclusive: Promise<void> | null = null;

  /** Runs `fn` as a write: at once unless an exclusive run is waiting or running. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    this.#shared++;
    try {
      return await fn();
    } finally {
      this.#shared--;
      if (this.#shared === 0) this.#drained?.();
    }
  }

  /** Runs `fn` alone: after the writes in flight (and any earlier exclusive run), with no write starting until it settles. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#exclusive ?? Promise.resolve();
    const run = previous.then(async () => {
      if (this.#shared > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = null;
      return fn();
    });
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#exclusive = tail;
    void tail.then(() => {
      if (this.#exclusive === tail) this.#exclusive = null;
    });
    return run;
  }
}
