import { SecretsError } from "../errors.js";
import { notARecipient } from "../util/safe-text.js";
import { bech32Decode } from "./age/bech32.js";

/**
 * age recipients (public keys) as they appear in `.sops.yaml`, `--age` and `sops.age[].recipient`.
 *
 * Routing follows sops' `parseRecipient` (age/keysource.go), minus what we do not support:
 *
 * | string            | type                                                  |
 * |-------------------|-------------------------------------------------------|
 * | `age1pq1…`        | `pq`: ML-KEM-768 + X25519 hybrid (1,216-byte key)     |
 * | `age1tagpq1…`     | `tagpq`: ML-KEM-768 + P-256 tag recipient (1,249 B)   |
 * | `age1tag1…`       | `tag`: P-256 tag recipient (33-byte key)              |
 * | other `age1…` with more than one `1` | an age plugin: rejected          |
 * | other `age1…`     | `x25519`: 62 characters, 32-byte key                  |
 * | `ssh-…`           | age-ssh: rejected                                     |
 *
 * sops itself sends `age1tag1…`/`age1tagpq1…` to its plugin branch (they contain two `1`s);
 * age-encryption encrypts to them natively, so we accept them for wrapping.
 */

export type RecipientType = "x25519" | "pq" | "tag" | "tagpq";

export interface ParsedRecipient {
  type: RecipientType;
  /** The recipient, trimmed of surrounding whitespace as sops does: what goes into the file. */
  recipient: string;
}

const SIZES: Record<RecipientType, { hrp: string; bytes: number }> = {
  x25519: { hrp: "age", bytes: 32 },
  pq: { hrp: "age1pq", bytes: 1216 },
  tag: { hrp: "age1tag", bytes: 33 },
  tagpq: { hrp: "age1tagpq", bytes: 1249 },
};

/** A recipient too long to print whole is shortened (PQ keys are ~1,960 characters). */
function show(s: string): string {
  return s.length > 80 ? `${s.slice(0, 40)}…${s.slice(-12)}` : s;
}

/**
 * Parses one recipient. Never returns null: throws SecretsError kind `config` when it is malformed,
 * an age plugin recipient, an SSH key, or of an unknown type. The message names the recipient only
 * when it looks like one (`age1…`, `ssh-…`, public either way); anything else may be a secret pasted
 * in the wrong place (an identity, a password), so it is named by kind only.
 */
export function parseRecipient(s: string): ParsedRecipient {
  const r = s.trim();
  const secret = notARecipient(r);
  if (secret !== undefined) throw new SecretsError("config", `invalid age recipient: ${secret}`);
  let type: RecipientType;
  if (r.startsWith("age1pq1")) type = "pq";
  else if (r.startsWith("age1tagpq1")) type = "tagpq";
  else if (r.startsWith("age1tag1")) type = "tag";
  else if (r.startsWith("age1") && r.indexOf("1", 4) >= 0) {
    throw new SecretsError("config", `age plugin recipients are not supported: ${show(r)}`);
  } else if (r.startsWith("age1")) type = "x25519";
  else if (r.startsWith("ssh-")) {
    throw new SecretsError("config", `SSH recipients (age-ssh) are not supported, use an age key instead: ${show(r)}`);
  } else if (r === "") {
    throw new SecretsError("config", "empty age recipient");
  } else {
    throw new SecretsError("config", "unknown recipient type (expected age1…; the text given is not shown)");
  }
  const want = SIZES[type];
  const d = bech32Decode(r);
  if (!d || d.hrp !== want.hrp || d.data.length !== want.bytes || r !== r.toLowerCase()) {
    throw new SecretsError("config", `malformed age recipient (not a valid Bech32 ${type} public key): ${show(r)}`);
  }
  return { type, recipient: r };
}

/** Parses a comma-separated list (`--age`, `SOPS_AGE_RECIPIENTS`): empty items are skipped. */
export function parseRecipientList(list: string): ParsedRecipient[] {
  return list
    .split(",")
    .filter((x) => x.trim() !== "")
    .map(parseRecipient);
}
