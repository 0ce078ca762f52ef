/**
 * Failures of the age file format, classified by the layer that broke (the C2SP age test vectors'
 * classes). Internal to `src/keys`: callers outside get a SecretsError (see `wrap.ts`).
 *
 * Messages are fixed text: they never contain key material, file keys or plaintext.
 */
export type AgeFailure =
  | "armor" // the ASCII armor is malformed
  | "header" // the header does not parse, or a recognised stanza is malformed
  | "no-match" // no identity opens any stanza
  | "hmac" // a file key was recovered but the header MAC does not verify
  | "payload"; // the STREAM payload fails (bad tag, truncation, trailing data, …)

export class AgeError extends Error {
  readonly reason: AgeFailure;

  constructor(reason: AgeFailure, message: string, options: { cause?: unknown } = {}) {
    super(message);
    this.name = "AgeError";
    this.reason = reason;
    if (options.cause !== undefined) Object.defineProperty(this, "cause", { value: options.cause, enumerable: false });
  }
}
