import { hkdfSync, randomBytes } from "node:crypto";
import { Decrypter } from "age-encryption";
import { describe, expect, it } from "vitest";
import { decryptAge } from "../../src/keys/age/decrypt.js";
import { encryptAge } from "../../src/keys/age/encrypt.js";
import { headerMac, parseHeader, writeHeader } from "../../src/keys/age/header.js";
import { hkdf, x25519PrivateKey, x25519PublicKey, x25519RawPublic } from "../../src/keys/age/primitives.js";
import { encryptPayload, decryptPayload } from "../../src/keys/age/stream.js";
import type { AgeRecipient, Stanza } from "../../src/keys/age/types.js";
import { X25519Identity, X25519Recipient } from "../../src/keys/age/x25519.js";
import { generateKeyPair } from "../../src/keys/keygen.js";

/**
 * The node:crypto age writer, layer by layer: HKDF, header writer (stanzas, MAC), STREAM writer,
 * and whole files checked by our reader and age-encryption (and the Go `age` binary in test:interop).
 */

const KiB64 = 64 * 1024;

/** Byte equality without vitest's deep diff (slow on 200 KiB buffers). */
function same(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(Buffer.compare(actual, expected), what).toBe(0);
}

/** A recipient of a type no reader knows: every reader must skip its stanza. */
function unknownStanza(body: Uint8Array, ...args: string[]): AgeRecipient {
  return { wrapFileKey: (): Stanza[] => [{ args: ["gitops-secrets-test", ...args], body }] };
}

describe("hkdf", () => {
  it("equals node's hkdfSync (SHA-256) for any salt, info and length", () => {
    for (const length of [0, 1, 16, 31, 32, 33, 64, 100, 255 * 32]) {
      for (const salt of [new Uint8Array(0), randomBytes(16), randomBytes(64), randomBytes(100)]) {
        const ikm = randomBytes(32);
        const info = length % 2 ? "payload" : "age-encryption.org/v1/X25519";
        expect(Buffer.from(hkdf(ikm, salt, info, length))).toEqual(Buffer.from(hkdfSync("sha256", ikm, salt, info, length)));
      }
    }
    expect(() => hkdf(randomBytes(32), randomBytes(16), "x", 255 * 32 + 1)).toThrow(RangeError);
  });
});

describe("X25519 keys as JWK", () => {
  it("give RFC 7748's public key for its private key, and round-trip a point", () => {
    // RFC 7748 §6.1, Alice.
    const alice = Buffer.from("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "hex");
    const alicePub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    expect(Buffer.from(x25519RawPublic(x25519PrivateKey(alice))).toString("hex")).toBe(alicePub);
    expect(Buffer.from(x25519RawPublic(x25519PublicKey(Buffer.from(alicePub, "hex")))).toString("hex")).toBe(alicePub);
    expect(() => x25519PublicKey(new Uint8Array(31))).toThrow();
    expect(() => x25519PrivateKey(new Uint8Array(33))).toThrow();
  });
});

describe("writeHeader", () => {
  it("writes stanzas parseHeader reads back, bodies at 64 columns (an empty last line at 48 bytes), and a MAC that verifies", () => {
    const fileKey = randomBytes(16);
    const stanzas: Stanza[] = [0, 1, 32, 47, 48, 49, 96, 100].map((n) => ({ args: ["t", `n${n}`], body: randomBytes(n) }));
    const bytes = writeHeader(stanzas, fileKey);
    const text = Buffer.from(bytes).toString("latin1");
    expect(text.startsWith("age-encryption.org/v1\n-> t n0\n\n-> t n1\n")).toBe(true);
    // 48 bytes are 64 columns exactly: a full line, then the empty line that ends the body.
    expect(text).toMatch(/-> t n48\n[A-Za-z0-9+/]{64}\n\n-> t n49\n[A-Za-z0-9+/]{64}\n[A-Za-z0-9+/]{2}\n/);
    expect(text).toMatch(/\n--- [A-Za-z0-9+/]{43}\n$/);
    const h = parseHeader(bytes);
    expect(h.stanzas.map((s) => [s.args, Buffer.from(s.body)])).toEqual(stanzas.map((s) => [s.args, Buffer.from(s.body)]));
    expect(Buffer.from(h.mac)).toEqual(Buffer.from(headerMac(fileKey, h.headerNoMac)));
    expect(h.payload).toHaveLength(0);
  });

  it("refuses no stanza, and arguments that are empty or not VCHAR", () => {
    expect(() => writeHeader([], randomBytes(16))).toThrow(/no recipient stanza/);
    for (const args of [[], [""], ["a b"], ["é"], ["a\n"]]) {
      expect(() => writeHeader([{ args, body: new Uint8Array(0) }], randomBytes(16))).toThrow(/malformed arguments/);
    }
  });
});

describe("encryptPayload", () => {
  it("a fresh nonce, then one chunk per 64 KiB (at least one), that decryptPayload opens", () => {
    const fileKey = randomBytes(16);
    for (const n of [0, 1, 32, 33, KiB64 - 1, KiB64, KiB64 + 1, 2 * KiB64, 2 * KiB64 + 5]) {
      const plain = randomBytes(n);
      const payload = encryptPayload(fileKey, plain);
      expect(payload.length, `${n} bytes`).toBe(16 + n + 16 * Math.max(1, Math.ceil(n / KiB64)));
      same(decryptPayload(fileKey, payload), plain, `${n} bytes`);
    }
    const a = encryptPayload(fileKey, new Uint8Array(32));
    const b = encryptPayload(fileKey, new Uint8Array(32));
    expect(Buffer.from(a.subarray(0, 16))).not.toEqual(Buffer.from(b.subarray(0, 16)));
  });
});

// The third reader, the Go age binary: test/keys/go-age.interop.test.ts (npm run test:interop).
describe("encryptAge: whole files, two readers here", () => {
  it("X25519 files open with our decrypter and age-encryption, across chunk boundaries", async () => {
    const pair = await generateKeyPair();
    const ours = [X25519Identity.parse(pair.identity)!];
    const recipient = new X25519Recipient(pair.recipient);
    for (const n of [0, 32, 33, KiB64, KiB64 + 1, 3 * KiB64 - 7]) {
      const plain = randomBytes(n);
      const file = await encryptAge(plain, [recipient]);
      same(await decryptAge(file, ours), plain, `ours, ${n}`);
      const d = new Decrypter();
      d.addIdentity(pair.identity);
      same(await d.decrypt(file), plain, `age-encryption, ${n}`);
    }
  });

  it("several recipients and multi-line stanzas of unknown types: every reader skips those and opens its own", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const plain = randomBytes(33);
    const file = await encryptAge(plain, [unknownStanza(randomBytes(48), "x"), new X25519Recipient(a.recipient), unknownStanza(randomBytes(100)), new X25519Recipient(b.recipient)]);
    expect(parseHeader(file).stanzas.map((s) => s.args[0])).toEqual(["gitops-secrets-test", "X25519", "gitops-secrets-test", "X25519"]);
    for (const p of [a, b]) {
      expect(Buffer.from(await decryptAge(file, [X25519Identity.parse(p.identity)!]))).toEqual(plain);
      const d = new Decrypter();
      d.addIdentity(p.identity);
      expect(Buffer.from(await d.decrypt(file))).toEqual(plain);
    }
  });

  it("a fresh file key each time (different ephemeral shares and MACs), and no recipient is an error", async () => {
    const r = new X25519Recipient((await generateKeyPair()).recipient);
    const [h1, h2] = [parseHeader(await encryptAge(new Uint8Array(32), [r])), parseHeader(await encryptAge(new Uint8Array(32), [r]))];
    expect(h1.stanzas[0]!.args[1]).not.toBe(h2.stanzas[0]!.args[1]);
    expect(Buffer.from(h1.mac)).not.toEqual(Buffer.from(h2.mac));
    await expect(encryptAge(new Uint8Array(32), [])).rejects.toThrow(/no age recipient/);
  });
});
