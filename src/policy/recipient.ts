/**
 * Syntax checks for the recipient strings a `.sops.yaml` may hold under `age`.
 *
 * sops routes an `age` entry by prefix (docs/sops-format.md §6.2): `age1pq1…` is the ML-KEM-768 + X25519 hybrid,
 * another `age1…` with a second `1` is a plugin recipient (`age1yubikey1…`, and by that rule also
 * `age1tag1…`), other `age1…` is X25519, and `ssh-…` is an age-ssh recipient. We check the bech32
 * encoding fully (charset, single case, checksum, payload length), so a typo in a key is reported
 * when the config is loaded rather than when a file is encrypted, and never silently makes a file
 * nobody can open.
 */

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

export type RecipientKind = "x25519" | "mlkem768x25519" | "plugin" | "ssh";

export type RecipientCheck = { ok: true; kind: RecipientKind } | { ok: false; reason: string };

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

/** Decodes bech32 (BIP 173 checksum, no length limit, as age uses it). Lowercase input only. */
export function bech32Decode(s: string): { hrp: string; data: Uint8Array } | { error: string } {
  if (s !== s.toLowerCase()) {
    return { error: s === s.toUpperCase() ? "must be written in lowercase" : "mixed case" };
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return { error: "contains a character outside printable ASCII (a stray space?)" };
  }
  const sep = s.lastIndexOf("1");
  if (sep < 1) return { error: "missing the bech32 separator" };
  if (sep + 7 > s.length) return { error: "too short" };
  const hrp = s.slice(0, sep);
  const values: number[] = [];
  for (let i = sep + 1; i < s.length; i++) {
    const v = CHARSET.indexOf(s[i]!);
    if (v < 0) return { error: `character '${s[i]}' at position ${i + 1} is not in the bech32 alphabet` };
    values.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...values]) !== 1) return { error: "bad checksum (a typo?)" };
  // 5-bit groups to bytes; leftover bits must be zero padding of less than 5 bits.
  const groups = values.slice(0, -6);
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const g of groups) {
    acc = (acc << 5) | g;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >>> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits >= 5 || acc !== 0) return { error: "bad padding" };
  return { hrp, data: Uint8Array.from(bytes) };
}

/** Classifies and syntax-checks one recipient (already trimmed). */
export function checkRecipient(recipient: string): RecipientCheck {
  if (recipient.startsWith("ssh-")) {
    const m = /^(ssh-ed25519|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/.exec(recipient);
    if (!m) return { ok: false, reason: "not an ssh-ed25519 or ssh-rsa public key line" };
    return { ok: true, kind: "ssh" };
  }
  if (!/^age1/i.test(recipient)) {
    return { ok: false, reason: "not an age recipient (expected age1…, age1pq1… or an ssh public key)" };
  }
  const d = bech32Decode(recipient);
  if ("error" in d) return { ok: false, reason: d.error };
  if (d.hrp === "age") {
    if (d.data.length !== 32) return { ok: false, reason: `an X25519 recipient holds 32 bytes, this one ${d.data.length}` };
    return { ok: true, kind: "x25519" };
  }
  if (d.hrp === "age1pq") {
    // ML-KEM-768 encapsulation key (1184 bytes) followed by an X25519 public key (32 bytes).
    if (d.data.length !== 1216) {
      return { ok: false, reason: `an ML-KEM-768+X25519 recipient holds 1216 bytes, this one ${d.data.length}` };
    }
    return { ok: true, kind: "mlkem768x25519" };
  }
  if (/^age1[a-z0-9.+-]+$/.test(d.hrp)) return { ok: true, kind: "plugin" };
  return { ok: false, reason: "not an age recipient" };
}

/** Splits a sops key field entry on commas, trims, drops empty parts (as sops' `parseKeyField`). */
export function splitRecipients(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A recipient shortened for messages: public keys are not secret, but a PQ key is 1959 characters. */
export function shortRecipient(recipient: string): string {
  return recipient.length > 24 ? `${recipient.slice(0, 16)}…${recipient.slice(-6)}` : recipient;
}
