import { SecretsError } from "../../errors.js";
import { bech32Decode } from "./bech32.js";
import type { AgeIdentity, Stanza } from "./types.js";

/**
 * The bridge to `age-encryption` (typage), loaded with a dynamic import only when needed: it costs
 * ~60 ms to import (it pulls @noble/*, including ML-KEM) and ~27 ms on its first call, which the
 * common X25519 paths (decrypt and wrap) must not pay. Used for: post-quantum hybrid stanzas,
 * scrypt stanzas (tests only), and wrapping to post-quantum and tag recipients (see `wrap.ts`).
 */

type AgeLib = typeof import("age-encryption");
let lib: Promise<AgeLib> | undefined;

export function loadAgeLib(): Promise<AgeLib> {
  return (lib ??= import("age-encryption"));
}

/**
 * typage builds its hybrid and scrypt identities only inside `Decrypter.addIdentity` /
 * `addPassphrase` and does not export the classes, so we take the one it just built. The object
 * itself implements the public `Identity` interface; only the field that holds it is private.
 */
async function libIdentity(add: (d: InstanceType<AgeLib["Decrypter"]>) => void): Promise<AgeIdentity> {
  const { Decrypter } = await loadAgeLib();
  const d = new Decrypter();
  add(d);
  const ids = (d as unknown as { identities?: unknown }).identities;
  const id = Array.isArray(ids) && ids.length === 1 ? (ids[0] as Partial<AgeIdentity>) : undefined;
  if (typeof id?.unwrapFileKey !== "function") {
    throw new SecretsError("generic", "unsupported age-encryption version: cannot build a post-quantum or scrypt identity");
  }
  return id as AgeIdentity;
}

/** Decodes `AGE-SECRET-KEY-PQ-1…` (uppercase, 32-byte seed). Returns null if malformed. */
export function decodeHybridIdentity(s: string): Uint8Array | null {
  if (!s.startsWith("AGE-SECRET-KEY-PQ-1")) return null;
  const d = bech32Decode(s);
  return d && d.hrp === "age-secret-key-pq-" && d.data.length === 32 ? d.data : null;
}

/**
 * ML-KEM-768 + X25519 hybrid identity (`AGE-SECRET-KEY-PQ-1…`, stanza `mlkem768x25519`). The
 * string is validated here; the library is loaded only when a header actually has a hybrid stanza.
 */
export class HybridIdentity implements AgeIdentity {
  readonly type = "pq" as const;
  readonly #secret: string;
  #inner: Promise<AgeIdentity> | undefined;

  private constructor(secret: string) {
    this.#secret = secret;
  }

  /** Returns null (never echoing the input) when the string is not a valid hybrid identity. */
  static parse(s: string): HybridIdentity | null {
    return decodeHybridIdentity(s) ? new HybridIdentity(s) : null;
  }

  async recipient(): Promise<string> {
    return (await loadAgeLib()).identityToRecipient(this.#secret);
  }

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    if (!stanzas.some((s) => s.args[0] === "mlkem768x25519")) return null;
    this.#inner ??= libIdentity((d) => d.addIdentity(this.#secret));
    return (await this.#inner).unwrapFileKey(stanzas);
  }
}

/** A passphrase (scrypt stanza) identity. Only the test vectors need it: sops never uses scrypt. */
export class ScryptIdentity implements AgeIdentity {
  readonly #passphrase: string;
  #inner: Promise<AgeIdentity> | undefined;

  constructor(passphrase: string) {
    this.#passphrase = passphrase;
  }

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    if (!stanzas.some((s) => s.args[0] === "scrypt")) return null;
    this.#inner ??= libIdentity((d) => d.addPassphrase(this.#passphrase));
    return (await this.#inner).unwrapFileKey(stanzas);
  }
}
