import { SecretsError } from "../../errors.js";
import { dearmor } from "./armor.js";
import { AgeError } from "./errors.js";
import { headerMac, parseHeader } from "./header.js";
import { constantTimeEqual } from "./primitives.js";
import { decryptPayload } from "./stream.js";
import type { AgeIdentity } from "./types.js";

/**
 * age v1 decryption, all or nothing, on node:crypto: header parse, file-key unwrap by the first
 * identity that matches (in order), header MAC, STREAM payload. Identities that need
 * `age-encryption` (post-quantum, scrypt) load it themselves, and only when their stanza type is
 * present.
 *
 * Throws AgeError classified as the C2SP vectors do ("header", "no-match", "hmac", "payload"; and
 * "armor" from `decryptArmored`). An identity that throws is a malformed stanza: "header".
 */
export async function decryptAge(file: Uint8Array, identities: readonly AgeIdentity[]): Promise<Uint8Array> {
  const h = parseHeader(file);
  if (h.stanzas.length > 1 && h.stanzas.some((s) => s.args[0] === "scrypt")) {
    throw new AgeError("header", "invalid age header: an scrypt stanza must be the only one");
  }
  let fileKey: Uint8Array | null = null;
  for (const id of identities) {
    try {
      fileKey = await id.unwrapFileKey(h.stanzas);
    } catch (e) {
      if (e instanceof AgeError || e instanceof SecretsError) throw e;
      throw new AgeError("header", "invalid age header: a recipient stanza is malformed", { cause: e });
    }
    if (fileKey !== null) break;
  }
  if (fileKey === null) throw new AgeError("no-match", "no identity matched any of the file's recipients");
  if (fileKey.length !== 16) throw new AgeError("header", "invalid age header: the file key is not 16 bytes");
  if (!constantTimeEqual(headerMac(fileKey, h.headerNoMac), h.mac)) throw new AgeError("hmac", "invalid age header: the MAC does not verify");
  return decryptPayload(fileKey, h.payload);
}

/** Dearmors (AgeError "armor" when malformed), then `decryptAge`. */
export async function decryptArmored(text: string | Uint8Array, identities: readonly AgeIdentity[]): Promise<Uint8Array> {
  return decryptAge(dearmor(text), identities);
}
