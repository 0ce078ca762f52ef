/**
 * The two small interfaces the age layer is built on. They are structurally the same as
 * `age-encryption`'s `Identity` and `Recipient`, so our objects can be handed to its `Decrypter` /
 * `Encrypter` and its objects can be used by our decrypter.
 */

/** One recipient stanza of an age header: `-> arg0 arg1 …` and its decoded body. */
export interface Stanza {
  args: string[];
  body: Uint8Array;
}

/** Something that may recover the 16-byte file key from a header's stanzas. */
export interface AgeIdentity {
  /**
   * Returns the file key when one of the stanzas is addressed to this identity and opens.
   * Returns null when no stanza is for this identity (unknown types, wrong key, bad AEAD tag).
   * Throws only when a stanza of this identity's own type is malformed (wrong argument count, bad
   * share encoding or size, low-order share, body of the wrong length).
   */
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null | Promise<Uint8Array | null>;
}

/** Something that wraps a file key into one or more stanzas. Throws if it cannot. */
export interface AgeRecipient {
  wrapFileKey(fileKey: Uint8Array): Stanza[] | Promise<Stanza[]>;
}
