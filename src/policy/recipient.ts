/**
 * The recipient strings a `.sops.yaml` may hold under `age`: the checks are the keys layer's one
 * classifier (`classifyRecipient`, which routes by prefix as sops does and checks the bech32 encoding
 * fully), so a typo in a key is reported when the config is loaded rather than when a file is
 * encrypted, and never silently makes a file nobody can open. Everything sops accepts is accepted,
 * plugin and ssh recipients included, though wrapping supports neither.
 */

import { classifyRecipient, type RecipientClass, type RecipientKind } from "../keys/recipients.js";
import { notARecipient } from "../util/safe-text.js";

export type { RecipientKind };

export type RecipientCheck = RecipientClass;

/** Classifies and syntax-checks one recipient (already trimmed). */
export function checkRecipient(recipient: string): RecipientCheck {
  return classifyRecipient(recipient);
}

/** Splits a sops key field entry on commas, trims, drops empty parts (as sops' `parseKeyField`). */
export function splitRecipients(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * A rejected recipient string as a message may quote it: shortened when it looks like a recipient
 * (`age1…`, `ssh-…`: public, and the typo is worth seeing), otherwise not at all (it may be a secret
 * pasted in the wrong place).
 */
export function quotedCandidate(candidate: string): string {
  return /^(age1|ssh-)/i.test(candidate) && notARecipient(candidate) === undefined ? ` "${shortRecipient(candidate)}"` : "";
}

/** A recipient shortened for messages: public keys are not secret, but a PQ key is 1959 characters. */
export function shortRecipient(recipient: string): string {
  return recipient.length > 24 ? `${recipient.slice(0, 16)}…${recipient.slice(-6)}` : recipient;
}
