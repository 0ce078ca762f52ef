import { randomBytes, randomInt } from "node:crypto";
import { SecretsError } from "../errors.js";

/**
 * Shamir's secret sharing over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (0x11B), compatible
 * with HashiCorp Vault's `shamir` package as vendored by sops (`shamir/shamir.go`):
 *
 * - each share is the y-bytes (one per secret byte) followed by its x-coordinate as the LAST byte;
 * - Split picks distinct random x-coordinates in 1..255 (Vault's `mathrand.Perm(255)` + 1; sops
 *   kept that), so readers must accept any distinct non-zero x, in any order;
 * - one random polynomial of degree threshold-1 per secret byte, its constant term the byte.
 *
 * Field arithmetic is done without lookup tables (shift-and-add multiply, inverse as a^254).
 */

function mul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    p ^= -(b & 1) & a;
    const hi = -((a >> 7) & 1) & 0x1b;
    a = ((a << 1) & 0xff) ^ hi;
    b >>= 1;
  }
  return p & 0xff;
}

function inv(a: number): number {
  // a^254 = a^-1 in GF(2^8) (and 0 for 0, never used as a divisor here).
  let r = 1;
  let base = a;
  let e = 254;
  while (e > 0) {
    if (e & 1) r = mul(r, base);
    base = mul(base, base);
    e >>= 1;
  }
  return r;
}

/** @internal exported for tests: multiplication in GF(2^8)/0x11B. */
export const gfMul = mul;

/**
 * Splits `secret` into `parts` shares, any `threshold` of which recover it.
 * Throws SecretsError kind `config` (sops' messages) when 2 <= threshold <= parts <= 255 does not
 * hold or the secret is empty.
 */
export function split(secret: Uint8Array, parts: number, threshold: number): Uint8Array[] {
  const bad = (m: string): never => {
    throw new SecretsError("config", `cannot split the data key: ${m}`);
  };
  if (!Number.isInteger(parts) || !Number.isInteger(threshold)) bad("parts and threshold must be integers");
  if (parts < threshold) bad("parts cannot be less than threshold");
  if (parts > 255) bad("parts cannot exceed 255");
  if (threshold < 2) bad("threshold must be at least 2");
  if (threshold > 255) bad("threshold cannot exceed 255");
  if (secret.length === 0) bad("cannot split an empty secret");

  // Distinct random x-coordinates 1..255: a partial Fisher–Yates shuffle.
  const xs = Array.from({ length: 255 }, (_, i) => i + 1);
  for (let i = 0; i < parts; i++) {
    const j = i + randomInt(255 - i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  const shares = Array.from({ length: parts }, (_, i) => {
    const s = new Uint8Array(secret.length + 1);
    s[secret.length] = xs[i]!;
    return s;
  });
  const coeffs = new Uint8Array(threshold);
  for (let b = 0; b < secret.length; b++) {
    coeffs[0] = secret[b]!;
    coeffs.set(randomBytes(threshold - 1), 1);
    for (let i = 0; i < parts; i++) {
      const x = xs[i]!;
      let y = coeffs[threshold - 1]!; // Horner
      for (let k = threshold - 2; k >= 0; k--) y = mul(y, x) ^ coeffs[k]!;
      shares[i]![b] = y;
    }
  }
  coeffs.fill(0);
  return shares;
}

/**
 * Recovers the secret from shares made by `split` (or by sops/Vault): Lagrange interpolation at 0.
 * Needs at least `threshold` of them; with fewer it returns a wrong value, as Vault's does (sops
 * detects that through the data key's length and the MAC).
 * Throws SecretsError kind `generic` for fewer than two shares, shares of different or too-short
 * lengths, a zero or duplicate x-coordinate.
 */
export function combine(shares: readonly Uint8Array[]): Uint8Array {
  const bad = (m: string): never => {
    throw new SecretsError("generic", `cannot combine the Shamir shares of the data key: ${m}`);
  };
  if (shares.length < 2) bad("less than two parts cannot be used to reconstruct the secret");
  const len = shares[0]!.length;
  if (len < 2) bad("parts must be at least two bytes");
  if (shares.some((s) => s.length !== len)) bad("all parts must be the same length");
  const xs = shares.map((s) => s[len - 1]!);
  if (xs.includes(0)) bad("a part has x-coordinate 0");
  if (new Set(xs).size !== xs.length) bad("duplicate part detected");

  // Lagrange basis at x = 0: prod_{j != i} x_j / (x_i + x_j)  (addition is XOR).
  const basis = xs.map((xi, i) => {
    let num = 1;
    let den = 1;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = mul(num, xj);
      den = mul(den, xi ^ xj);
    });
    return mul(num, inv(den));
  });
  const secret = new Uint8Array(len - 1);
  for (let b = 0; b < len - 1; b++) {
    let v = 0;
    for (let i = 0; i < shares.length; i++) v ^= mul(shares[i]![b]!, basis[i]!);
    secret[b] = v;
  }
  return secret;
}
