import { HybridIdentity } from "./lib.js";
import { X25519Identity } from "./x25519.js";

/** An identity we can parse from an identity file: it can also tell its own recipient. */
export type KnownIdentity = X25519Identity | HybridIdentity;

/**
 * Parses one identity string, routed by prefix like sops: `AGE-PLUGIN-` (unsupported),
 * `AGE-SECRET-KEY-PQ-1` (hybrid), `AGE-SECRET-KEY-1` (X25519).
 * Throws Error with a fixed message (never the input) when the string is not a usable identity.
 */
export function parseIdentity(s: string): KnownIdentity {
  if (s.startsWith("AGE-PLUGIN-")) throw new Error("age plugin identities are not supported");
  if (s.startsWith("AGE-SECRET-KEY-PQ-1")) {
    const id = HybridIdentity.parse(s);
    if (!id) throw new Error("malformed post-quantum secret key");
    return id;
  }
  if (s.startsWith("AGE-SECRET-KEY-1")) {
    const id = X25519Identity.parse(s);
    if (!id) throw new Error("malformed X25519 secret key");
    return id;
  }
  if (/^age1/i.test(s)) throw new Error("that is a public key (a recipient), not an identity; an identity starts with AGE-SECRET-KEY-");
  if (s.startsWith("-----BEGIN") || s.startsWith("ssh-")) throw new Error("SSH keys are not supported as identities; use an age identity (AGE-SECRET-KEY-…)");
  throw new Error("unknown identity type");
}
