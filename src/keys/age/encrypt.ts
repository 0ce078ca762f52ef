import { randomBytes } from "node:crypto";
import { armor } from "./armor.js";
import { writeHeader } from "./header.js";
import { encryptPayload } from "./stream.js";
import type { AgeRecipient, Stanza } from "./types.js";

/**
 * age v1 encryption on node:crypto, the mirror of `decrypt.ts`: a fresh 16-byte file key, wrapped by
 * each recipient into its stanzas, the header with its MAC, then the STREAM payload.
 *
 * The recipients decide what runs: ours (`X25519Recipient`) are node:crypto only; a recipient from
 * `age-encryption` brings that library with it. Throws whatever a recipient throws (an Error for a
 * recipient it cannot wrap to, such as a low-order X25519 point); never a secret in the message.
 */
export async function encryptAge(plaintext: Uint8Array, recipients: readonly AgeRecipient[]): Promise<Uint8Array> {
  if (recipients.length === 0) throw new Error("no age recipient to encrypt to");
  const fileKey = randomBytes(16);
  const stanzas: Stanza[] = [];
  for (const r of recipients) stanzas.push(...(await r.wrapFileKey(fileKey)));
  return Buffer.concat([writeHeader(stanzas, fileKey), encryptPayload(fileKey, plaintext)]);
}

/** `encryptAge`, ASCII-armored (what sops writes into `sops.age[].enc`). */
export async function encryptArmored(plaintext: Uint8Array, recipients: readonly AgeRecipient[]): Promise<string> {
  return armor(await encryptAge(plaintext, recipients));
}
