import type { ExactPlainValue } from "../../sops/tree.js";

/**
 * Decrypted versions of secret files, by git blob id, kept between requests: opening a version
 * costs a `git cat-file` process, the age unwrap of its data key and the decryption and MAC check
 * of every value; a popular secret is read far more often than it is written. One per server
 * (held by the KV context, no module state), bounded in size.
 *
 * Never stale: a blob id is the hash of the file's bytes, so what one id decrypts to cannot change,
 * and the server's identity is fixed for its life. What a version *is* (which blob, whether it is
 * deleted or destroyed) is decided by the history before this is asked; a destroyed version's
 * blob is dropped from here (`forget`) so that its plaintext is not kept after it can no longer
 * be served.
 *
 * The plaintext of the versions served lives here, in the server's memory, as it does while a
 * request is answered: the same trust as the SDK's per-file cache. Entries are frozen: callers
 * share them and must not change them.
 */

/** A blob's data (its first document's top-level map), or null when no identity of the server opens it. */
export type DecryptedVersion = Record<string, ExactPlainValue> | null;

export interface VersionCacheOptions {
  /** Budget in bytes of encrypted blob (a fair bound on what its plaintext holds). Default 64 MiB. */
  maxBytes?: number;
}

interface Entry {
  value: Promise<DecryptedVersion>;
  bytes: number;
}

export class DecryptedVersions {
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #opened = 0;

  constructor(opts: VersionCacheOptions = {}) {
    this.#max = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  /** How many versions were opened (misses): tests, and the bench's account. */
  get opened(): number {
    return this.#opened;
  }

  /**
   * The blob's decrypted data: from memory, or `open()` (its result kept, its failure not: a
   * tampered or unreadable blob is tried again, and fails again, on the next request).
   */
  get(blob: string, format: string, open: () => Promise<{ value: DecryptedVersion; bytes: number }>): Promise<DecryptedVersion> {
    // The same bytes under another extension are another format: the format is part of the key.
    const key = `${blob}:${format}`;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value;
    }
    this.#opened++;
    const entry: Entry = { value: Promise.resolve(null), bytes: 0 };
    entry.value = open().then(
      ({ value, bytes }) => {
        if (this.#entries.get(key) === entry) {
          entry.bytes = bytes;
          this.#bytes += bytes;
          this.#evict();
        }
        return value;
      },
      (e: unknown) => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw e;
      },
    );
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Drops a blob, in every format (a destroyed version). */
  forget(blob: string): void {
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith(`${blob}:`)) continue;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#max || this.#entries.size <= 1) break;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
