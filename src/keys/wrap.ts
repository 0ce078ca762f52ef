import { SecretsError } from "../errors.js";
import { looksArmored } from "./age/armor.js";
import { decryptArmored } from "./age/decrypt.js";
import { encryptArmored } from "./age/encrypt.js";
import { AgeError } from "./age/errors.js";
import { loadAgeLib } from "./age/lib.js";
import type { AgeIdentity } from "./age/types.js";
import { X25519Recipient } from "./age/x25519.js";
import type { IdentitySet } from "./identities.js";
import { parseRecipient } from "./recipients.js";

/**
 * Wrapping and unwrapping the sops data key (docs/sops-format.md §6.2): one armored age file per recipient, with
 * exactly one recipient stanza, whose payload is the data key (or a Shamir share).
 */

/**
 * Parsed X25519 recipients (each holds its public-key KeyObject), by recipient string: re-encrypting
 * many files wraps to the same few recipients over and over. Bounded, oldest dropped first.
 */
const X25519_CACHE_MAX = 1024;
const x25519Cache = new Map<string, X25519Recipient>();

function x25519Recipient(recipient: string): X25519Recipient {
  let r = x25519Cache.get(recipient);
  if (r === undefined) {
    r = new X25519Recipient(recipient);
    if (x25519Cache.size >= X25519_CACHE_MAX) x25519Cache.delete(x25519Cache.keys().next().value!);
    x25519Cache.set(recipient, r);
  }
  return r;
}

/**
 * Encrypts `dataKey` to one recipient and returns the armored age file, exactly what sops writes
 * into `sops.age[].enc` (`-----BEGIN AGE ENCRYPTED FILE-----`, 64-column base64,
 * `-----END AGE ENCRYPTED FILE-----\n`; 385 characters for X25519 and a 32-byte key).
 * Throws SecretsError kind `config` for a malformed or unsupported recipient, or an X25519
 * recipient that is a low-order point (the shared secret would be all zeros).
 *
 * X25519 runs on node:crypto alone (`age/encrypt.ts`), with the recipient's key parsed once per
 * process. Post-quantum and tag recipients go through age-encryption's Encrypter (loaded on first
 * use).
 */
export async function wrapDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  const r = parseRecipient(recipient);
  try {
    if (r.type === "x25519") return await encryptArmored(dataKey, [x25519Recipient(r.recipient)]);
    const { Encrypter, armor } = await loadAgeLib();
    const e = new Encrypter();
    e.addRecipient(r.recipient);
    return armor.encode(await e.encrypt(dataKey));
  } catch (err) {
    const why = r.type === "x25519" && err instanceof Error ? `: ${err.message}` : "";
    throw new SecretsError("config", `cannot encrypt to age recipient ${r.recipient}${why}`, { cause: err });
  }
}

/**
 * Decrypts one armored `enc` entry with the identities, tried in order.
 *
 * Returns the payload (the data key or share), or null when no identity opens the entry (including
 * an entry for a recipient type we have no identity for, such as a plugin).
 * Throws SecretsError kind `generic` when the entry is malformed: bad armor, bad header, a
 * malformed stanza of a type we know, a header MAC that fails once a key opened it, a broken payload.
 */
export async function unwrapDataKey(armored: string, identities: IdentitySet | readonly AgeIdentity[]): Promise<Uint8Array | null> {
  const ids = "identities" in identities ? identities.identities : identities;
  if (!looksArmored(armored)) throw new SecretsError("generic", "the age-encrypted data key is not an armored age file");
  try {
    return await decryptArmored(armored, ids);
  } catch (e) {
    if (!(e instanceof AgeError)) throw e;
    if (e.reason === "no-match") return null;
    throw new SecretsError("generic", `the age-encrypted data key is malformed: ${e.message}`, { cause: e });
  }
}
