import { SecretNotFound, SecretPathError } from "../../secrets/errors.js";
import { formatSecretPath, type SecretPath } from "../../secrets/path.js";
import type { Kv2Api, SecretFound, SecretRead } from "./kv2-api.js";

/**
 * Where a secret path lives on a server, decided as src/secrets/resolve.ts decides it for files:
 * the leading segments name a secret (a file, on `secrets serve`), the rest a key path in its data;
 * the longest prefix naming a secret that has data wins, and a key is never looked up in a shorter
 * one. `database/postgres/password` is key `password` of `database/postgres`, else key
 * `postgres.password` of `database`.
 *
 * A server cannot be asked which secrets exist without reading them, so each split is tried by
 * reading it, longest first: one request when the longest names a secret (the usual case), one
 * more for each longer prefix that names none. Reads are shared within one operation (SecretReads),
 * so every secret is read once however many paths it serves.
 */

/** One way to split a path: the secret, and the key path inside its data. */
export interface Split {
  secret: string[];
  keyPath: string[];
}

/** The splits of a path, longest secret first. SecretPathError for a path of one segment (no key). */
export function splitsOf(segs: SecretPath): Split[] {
  if (segs.length < 2) {
    const text = formatSecretPath(segs);
    throw new SecretPathError(`secret path "${text}" names no key: a secret path is SECRET/KEY, e.g. app/${text} for key ${text} of the secret app`);
  }
  const out: Split[] = [];
  for (let k = segs.length - 1; k >= 1; k--) out.push({ secret: segs.slice(0, k), keyPath: segs.slice(k) });
  return out;
}

/** A path's secret and the key path in it. */
export interface Located {
  split: Split;
  read: SecretFound;
}

/** The reads of one operation: each secret read at most once, concurrent askers sharing the request. */
export class SecretReads {
  readonly #api: Kv2Api;
  readonly #reads = new Map<string, Promise<SecretRead>>();

  constructor(api: Kv2Api) {
    this.#api = api;
  }

  read(secret: readonly string[]): Promise<SecretRead> {
    // NUL never occurs in a segment (path.ts), so it cannot join two paths into one.
    const id = secret.join("\0");
    let r = this.#reads.get(id);
    if (r === undefined) {
      r = this.#api.readSecret(secret);
      this.#reads.set(id, r);
    }
    return r;
  }

  /** The split whose secret has data, longest first; null when none has. */
  async locate(splits: readonly Split[]): Promise<Located | null> {
    for (const split of splits) {
      const read = await this.read(split.secret);
      if (read.found) return { split, read };
    }
    return null;
  }

  /** locate, or SecretNotFound naming the path and where it was looked for. */
  async locateOrFail(segs: SecretPath, splits: readonly Split[], where: string): Promise<Located> {
    const found = await this.locate(splits);
    if (found) return found;
    const text = formatSecretPath(segs);
    throw new SecretNotFound(text, `secret ${text} not found: no secret holds it at ${where}`);
  }
}
