import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { combine, gfMul, split } from "../../src/keys/shamir.js";

/** The first 24 entries of Vault's `expTable` (powers of the generator 0xe5 in GF(2^8)/0x11B). */
const VAULT_EXP = [
  0x01, 0xe5, 0x4c, 0xb5, 0xfb, 0x9f, 0xfc, 0x12, 0x03, 0x34, 0xd4, 0xc4, 0x16, 0xba, 0x1f, 0x36, 0x05, 0x5c, 0x67, 0x57, 0x3a,
  0xd5, 0x21, 0x5a,
];

function subsets<T>(xs: T[], k: number): T[][] {
  if (k === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), k - 1).map((s) => [x, ...s]));
}

describe("GF(2^8) as in Vault", () => {
  it("multiplies like Vault's tables (AES polynomial)", () => {
    let p = 1;
    for (const e of VAULT_EXP) {
      expect(p).toBe(e);
      p = gfMul(p, 0xe5);
    }
    expect(gfMul(3, 7)).toBe(9);
    expect(gfMul(3, 0)).toBe(0);
    expect(gfMul(0x53, 0xca)).toBe(1); // the textbook AES inverse pair
  });
});

describe("shamir split/combine", () => {
  it("recovers a 32-byte data key from every subset of at least threshold shares", () => {
    const secret = randomBytes(32);
    const shares = split(secret, 5, 3);
    expect(shares).toHaveLength(5);
    for (const s of shares) expect(s).toHaveLength(33);
    const xs = shares.map((s) => s[32]);
    expect(new Set(xs).size).toBe(5);
    expect(xs.every((x) => x! >= 1 && x! <= 255)).toBe(true);
    for (const k of [3, 4, 5]) {
      for (const sub of subsets(shares, k)) {
        expect(Buffer.from(combine(sub))).toEqual(secret);
        expect(Buffer.from(combine([...sub].reverse()))).toEqual(secret);
      }
    }
    // Two shares of a threshold-3 split say nothing useful.
    expect(Buffer.from(combine(shares.slice(0, 2)))).not.toEqual(secret);
  });

  it("accepts shares with sequential x = group index + 1 (any distinct non-zero x)", () => {
    // A degree-1 polynomial per byte: y = s + a*x, evaluated at x = 1 and 2, written by hand.
    const s = [0x42, 0x00, 0xff];
    const a = [0x07, 0x99, 0x01];
    const share = (x: number) => Uint8Array.from([...s.map((v, i) => v ^ gfMul(a[i]!, x)), x]);
    expect([...combine([share(1), share(2)])]).toEqual(s);
    expect([...combine([share(200), share(17)])]).toEqual(s);
  });

  it("property: any threshold subset recovers any secret", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 3 }), (secret, t, extra) => {
        const shares = split(secret, t + extra, t);
        const pick = shares.slice(extra);
        expect(Buffer.from(combine(pick))).toEqual(Buffer.from(secret));
      }),
      { numRuns: 200 },
    );
  });

  it("rejects bad parameters like Vault", () => {
    const kind = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as SecretsError).kind;
      }
      return "no error";
    };
    expect(kind(() => split(randomBytes(4), 2, 3))).toBe("config");
    expect(kind(() => split(randomBytes(4), 256, 3))).toBe("config");
    expect(kind(() => split(randomBytes(4), 10, 1))).toBe("config");
    expect(kind(() => split(new Uint8Array(0), 3, 2))).toBe("config");
    expect(kind(() => combine([]))).toBe("generic");
    expect(kind(() => combine([Buffer.from("foo"), Buffer.from("ba")]))).toBe("generic");
    expect(kind(() => combine([Buffer.from("f"), Buffer.from("b")]))).toBe("generic");
    expect(kind(() => combine([Buffer.from("foo"), Buffer.from("foo")]))).toBe("generic");
    expect(kind(() => combine([Uint8Array.from([1, 0]), Uint8Array.from([2, 1])]))).toBe("generic");
  });
});
