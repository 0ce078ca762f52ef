import type { KeySource } from "../../src/sops/keysource.js";

/**
 * An in-memory key source for format tests: "wrapping" stores the secret under a counter, so tests
 * can encrypt and decrypt without age. `deny` makes chosen recipients unopenable (a missing key).
 */
export function memoryKeys(opts: { deny?: string[] } = {}): KeySource & { wraps: number } {
  const vault = new Map<string, Uint8Array>();
  let n = 0;
  const src = {
    wraps: 0,
    async wrap(secret: Uint8Array, recipient: string) {
      src.wraps++;
      const id = `mem:${recipient}:${n++}`;
      vault.set(id, new Uint8Array(secret));
      return id + "\n";
    },
    async unwrap(entry: { recipient: string; enc: string }) {
      if (opts.deny?.includes(entry.recipient)) return null;
      return vault.get(entry.enc.trim()) ?? null;
    },
    describe: () => "memory",
  };
  return src;
}
