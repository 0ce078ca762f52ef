import { SecretsError } from "../errors.js";
import { notARecipient } from "../util/safe-text.js";
import { bech32Parse, type Bech32Problem } from "./age/bech32.js";

/**
 * age recipients (public keys) as they appear in `.sops.yaml`, `--age` and `sops.age[].recipient`.
 *
 * One classifier (`classifyRecipient`) answers what a string is, for the `.sops.yaml` checks and for
 * wrapping alike. It routes by prefix as sops' `parseRecipient` (age/keysource.go) does, then checks
 * the encoding fully (bech32 charset, one case, checksum, payload length):
 *
 * | string            | kind                                                          |
 * |-------------------|---------------------------------------------------------------|
 * | `age1pq1…`        | `mlkem768x25519`: ML-KEM-768 + X25519 hybrid (1,216-byte key) |
 * | `age1tagpq1…`     | `tagpq`: ML-KEM-768 + P-256 tag recipient (1,249 bytes)       |
 * | `age1tag1…`       | `tag`: P-256 tag recipient (33-byte compressed point)         |
 * | other `age1…` with more than one `1` | `plugin` (`age1yubikey1…`)                 |
 * | other `age1…`     | `x25519`: 62 characters, 32-byte key                          |
 * | `ssh-ed25519 …`, `ssh-rsa …` | `ssh`: an age-ssh recipient                        |
 *
 * sops sends `age1tag1…`/`age1tagpq1…` to its plugin branch (they contain two `1`s), where age's
 * `age-plugin-tag`/`age-plugin-tagpq` (native in age >= 1.3) accept only a key of the right size; so
 * a tag recipient of another size is refused here rather than when a file is encrypted.
 *
 * `parseRecipient` (wrapping) accepts the kinds this library can wrap to: X25519, the hybrid and the
 * two tag kinds; plugin and ssh recipients are valid in a `.sops.yaml` (sops >= 3.10 uses them) but
 * refused for wrapping.
 */

export type RecipientKind = "x25519" | "mlkem768x25519" | "tag" | "tagpq" | "plugin" | "ssh";

/**
 * A classification. A failure carries the kind its prefix routes to, when it has one (a plugin
 * recipient with a typo is still meant as a plugin recipient).
 */
export type RecipientClass = { ok: true; kind: RecipientKind } | { ok: false; reason: string; kind?: RecipientKind };

/** The bech32 kinds that carry a key of a fixed size under a fixed human-readable part. */
const KEYED: Partial<Record<RecipientKind, { hrp: string; bytes: number; what: string }>> = {
  x25519: { hrp: "age", bytes: 32, what: "an X25519 recipient" },
  mlkem768x25519: { hrp: "age1pq", bytes: 1216, what: "an ML-KEM-768+X25519 recipient" },
  tag: { hrp: "age1tag", bytes: 33, what: "a P-256 tag recipient" },
  tagpq: { hrp: "age1tagpq", bytes: 1249, what: "an ML-KEM-768+P-256 tag recipient" },
};

/** The kind sops' prefix routing gives (case-sensitive, as in Go), or undefined. */
function routeOf(r: string): RecipientKind | undefined {
  if (r.startsWith("age1pq1")) return "mlkem768x25519";
  if (r.startsWith("age1tagpq1")) return "tagpq";
  if (r.startsWith("age1tag1")) return "tag";
  if (r.startsWith("age1")) return r.indexOf("1", 4) >= 0 ? "plugin" : "x25519";
  if (r.startsWith("ssh-")) return "ssh";
  return undefined;
}

function bech32Reason(p: Bech32Problem, s: string): string {
  switch (p.problem) {
    case "mixed-case":
      return "mixed case";
    case "not-printable":
      return "contains a character outside printable ASCII (a stray space?)";
    case "no-separator":
      return "missing the bech32 separator";
    case "too-short":
      return "too short";
    case "bad-character":
      return `character '${s[p.at]}' at position ${p.at + 1} is not in the bech32 alphabet`;
    case "checksum":
      return "bad checksum (a typo?)";
    case "padding":
      return "bad padding";
  }
}

/**
 * Classifies and checks one recipient, already trimmed. Never throws; a reason never quotes key
 * material (a secret key given where a recipient belongs is named by kind only).
 */
export function classifyRecipient(recipient: string): RecipientClass {
  const secret = notARecipient(recipient);
  if (secret !== undefined) return { ok: false, reason: secret };
  const kind = routeOf(recipient);
  if (kind === "ssh") {
    const ok = /^(ssh-ed25519|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/.test(recipient);
    return ok ? { ok: true, kind } : { ok: false, reason: "not an ssh-ed25519 or ssh-rsa public key line", kind };
  }
  if (!/^age1/i.test(recipient)) {
    return { ok: false, reason: "not an age recipient (expected age1…, age1pq1… or an ssh public key)" };
  }
  // Only an all-uppercase `AGE1…` has no route here; sops would call it an unknown type.
  const fail = (reason: string): RecipientClass => (kind === undefined ? { ok: false, reason } : { ok: false, reason, kind });
  if (recipient !== recipient.toLowerCase() && recipient === recipient.toUpperCase()) return fail("must be written in lowercase");
  const d = bech32Parse(recipient);
  if ("problem" in d) return fail(bech32Reason(d, recipient));
  if (kind === "plugin") return /^age1[a-z0-9.+-]+$/.test(d.hrp) ? { ok: true, kind } : fail("not an age recipient");
  const want = KEYED[kind!]!;
  // `age1pq1…1…`: the last `1` separates, so the human-readable part is not the one its prefix names.
  if (d.hrp !== want.hrp) return fail(`${want.what} is ${want.hrp}1 followed by its key, without another '1'`);
  if (d.data.length !== want.bytes) return fail(`${want.what} holds ${want.bytes} bytes, this one ${d.data.length}`);
  return { ok: true, kind: kind! };
}

export type RecipientType = "x25519" | "pq" | "tag" | "tagpq";

export interface ParsedRecipient {
  type: RecipientType;
  /** The recipient, trimmed of surrounding whitespace as sops does: what goes into the file. */
  recipient: string;
}

/** The kinds wrapping supports, by their `RecipientType` name. */
const WRAPPABLE: Partial<Record<RecipientKind, RecipientType>> = { x25519: "x25519", mlkem768x25519: "pq", tag: "tag", tagpq: "tagpq" };

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
  if (r === "") throw new SecretsError("config", "empty age recipient");
  const c = classifyRecipient(r);
  if (c.kind === undefined) throw new SecretsError("config", "unknown recipient type (expected age1…; the text given is not shown)");
  if (c.kind === "plugin") throw new SecretsError("config", `age plugin recipients are not supported: ${show(r)}`);
  if (c.kind === "ssh") throw new SecretsError("config", `SSH recipients (age-ssh) are not supported, use an age key instead: ${show(r)}`);
  const type = WRAPPABLE[c.kind]!;
  if (!c.ok) throw new SecretsError("config", `malformed age recipient (not a valid Bech32 ${type} public key): ${show(r)}`);
  return { type, recipient: r };
}

/** Parses a comma-separated list (`--age`, `SOPS_AGE_RECIPIENTS`): empty items are skipped. */
export function parseRecipientList(list: string): ParsedRecipient[] {
  return list
    .split(",")
    .filter((x) => x.trim() !== "")
    .map(parseRecipient);
}
