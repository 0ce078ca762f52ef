/**
 * Bech32 (BIP 173, the original checksum constant 1) as age uses it: no 90-character limit (the
 * post-quantum recipients are ~1,960 characters), all-lowercase or all-uppercase, never mixed.
 */

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]!) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & maxv);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    return null;
  }
  return out;
}

/** Why a string is not bech32, for messages that explain a typo (`at`: 0-based index of the culprit). */
export type Bech32Problem =
  | { problem: "mixed-case" }
  | { problem: "not-printable" }
  | { problem: "no-separator" }
  | { problem: "too-short" }
  | { problem: "bad-character"; at: number }
  | { problem: "checksum" }
  | { problem: "padding" };

/**
 * Decodes `hrp1data`. The separator is the last `1`. Gives the human-readable part in lowercase and
 * the payload bytes, or the first problem found (mixed case, a character outside printable ASCII, no
 * separator, too short, a character outside the alphabet, checksum, padding).
 */
export function bech32Parse(s: string): { hrp: string; data: Uint8Array } | Bech32Problem {
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) return { problem: "mixed-case" };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return { problem: "not-printable" };
  }
  const pos = lower.lastIndexOf("1");
  if (pos < 1) return { problem: "no-separator" };
  if (pos + 7 > lower.length) return { problem: "too-short" };
  const hrp = lower.slice(0, pos);
  const words: number[] = [];
  for (let i = pos + 1; i < lower.length; i++) {
    const v = CHARSET.indexOf(lower[i]!);
    if (v < 0) return { problem: "bad-character", at: i };
    words.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return { problem: "checksum" };
  const bytes = convertBits(words.slice(0, -6), 5, 8, false);
  if (bytes === null) return { problem: "padding" };
  return { hrp, data: Uint8Array.from(bytes) };
}

/** `bech32Parse`, with null for any malformed string. */
export function bech32Decode(s: string): { hrp: string; data: Uint8Array } | null {
  const d = bech32Parse(s);
  return "problem" in d ? null : d;
}

/** Encodes bytes under a human-readable part; `upper` gives the all-uppercase form (secret keys). */
export function bech32Encode(hrp: string, data: Uint8Array, upper = false): string {
  const h = hrp.toLowerCase();
  const words = convertBits(data, 8, 5, true)!;
  const mod = polymod([...hrpExpand(h), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum: number[] = [];
  for (let i = 0; i < 6; i++) checksum.push((mod >>> (5 * (5 - i))) & 31);
  const s = h + "1" + [...words, ...checksum].map((w) => CHARSET[w]).join("");
  return upper ? s.toUpperCase() : s;
}
