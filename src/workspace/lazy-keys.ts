import type { KeySource } from "../sops/keysource.js";

/**
 * A key source that loads the real one on first use: for holders (the SecretRepository) that take
 * a key source up front, when looking up identities must wait until a file is actually opened.
 */
export function lazyKeySource(load: () => Promise<KeySource>): KeySource {
  let last: KeySource | undefined;
  return {
    wrap: async (secret, recipient) => (last = await load()).wrap(secret, recipient),
    unwrap: async (entry) => (last = await load()).unwrap(entry),
    describe: () => last?.describe() ?? "no age entry was tried",
  };
}
