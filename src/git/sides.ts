import { SecretsError } from "../errors.js";
import type { Store } from "../sops/stores/store.js";
import { closedSide, type Side } from "./changes.js";
import { Opener, parseVersion, type Version } from "./versions.js";

/**
 * Versions of a file as history readers need them: each distinct blob parsed once, each version
 * decrypted at most once and only when a key opener is given.
 */

/** Parses every distinct blob once; a blob that is not a readable file is treated as absent. */
export function versionCache(store: Store, blobs: Map<string, Buffer>): (id: string | null) => Version | null {
  const cache = new Map<string, Version | null>();
  return (id) => {
    if (id === null) return null;
    if (!cache.has(id)) {
      const bytes = blobs.get(id);
      let v: Version | null = null;
      try {
        v = bytes ? parseVersion(store, bytes) : null;
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
      }
      cache.set(id, v);
    }
    return cache.get(id)!;
  };
}

/** Decrypts versions on demand (once each); failures (no key, bad MAC) leave a version closed. */
export function sideMaker(opener: Opener | null): (v: Version | null) => Promise<Side> {
  const cache = new Map<Version, Promise<Side>>();
  return (v) => {
    if (v === null) return Promise.resolve({ version: null, open: null });
    let p = cache.get(v);
    if (!p) {
      p = (async (): Promise<Side> => {
        if (!v.metadata || !opener) return closedSide(v);
        try {
          return { version: v, open: await opener.open(v) };
        } catch (e) {
          if (e instanceof SecretsError) return { version: v, open: null };
          throw e;
        }
      })();
      cache.set(v, p);
    }
    return p;
  };
}
