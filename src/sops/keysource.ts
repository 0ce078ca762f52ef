import type { AgeKey } from "./metadata.js";

/**
 * What the format layer needs from key management (sops' "key sources"): wrapping a secret for an
 * age recipient, and trying to unwrap one entry. The format layer never sees identities.
 */
export interface KeySource {
  /**
   * Wraps `secret` (the data key, or a Shamir share) for one recipient: an armored age file with one
   * recipient stanza, as sops writes into `sops.age[].enc`. Throws SecretsError kind `config` for a
   * malformed recipient.
   */
  wrap(secret: Uint8Array, recipient: string): Promise<string>;

  /**
   * Tries to open one entry. Returns null when none of the available identities matches it; throws
   * only when the entry is malformed.
   */
  unwrap(entry: AgeKey): Promise<Uint8Array | null>;

  /** A value-free description of where identities were looked for, for "no key" errors. */
  describe(): string;
}
