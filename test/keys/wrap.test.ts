import { generateKeyPairSync, randomBytes } from "node:crypto";
import { armor as libArmor, Decrypter, Encrypter, generateHybridIdentity, identityToRecipient as libRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { dearmor } from "../../src/keys/age/armor.js";
import { bech32Encode } from "../../src/keys/age/bech32.js";
import { parseHeader } from "../../src/keys/age/header.js";
import { identitiesFromStrings } from "../../src/keys/identities.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { split } from "../../src/keys/shamir.js";
import { unwrapDataKey, wrapDataKey } from "../../src/keys/wrap.js";

function shape(armored: string) {
  const lines = armored.split("\n");
  expect(lines[0]).toBe("-----BEGIN AGE ENCRYPTED FILE-----");
  expect(armored.endsWith("-----END AGE ENCRYPTED FILE-----\n")).toBe(true);
  const body = lines.slice(1, -2);
  body.slice(0, -1).forEach((l) => expect(l).toHaveLength(64));
  expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
  return parseHeader(dearmor(armored));
}

describe("wrapDataKey / unwrapDataKey, X25519", () => {
  it("writes what sops writes: 385 characters, one X25519 stanza, and opens again", async () => {
    const pair = await generateKeyPair();
    const key = randomBytes(32);
    const enc = await wrapDataKey(key, pair.recipient);
    expect(enc).toHaveLength(385);
    const h = shape(enc);
    expect(h.stanzas).toHaveLength(1);
    expect(h.stanzas[0]!.args[0]).toBe("X25519");
    expect(Buffer.from((await unwrapDataKey(enc, identitiesFromStrings([pair.identity])))!)).toEqual(key);
  });

  it("returns null when no identity matches, and when there are none", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const enc = await wrapDataKey(randomBytes(32), a.recipient);
    expect(await unwrapDataKey(enc, identitiesFromStrings([b.identity]))).toBeNull();
    expect(await unwrapDataKey(enc, identitiesFromStrings([]))).toBeNull();
    expect(await unwrapDataKey(enc, [])).toBeNull();
  });

  it("tries identities in order until one opens it", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const key = randomBytes(32);
    const enc = await wrapDataKey(key, b.recipient);
    expect(Buffer.from((await unwrapDataKey(enc, identitiesFromStrings([a.identity, b.identity])))!)).toEqual(key);
  });

  it("throws SecretsError generic (and no secret) for malformed entries", async () => {
    const pair = await generateKeyPair();
    const enc = await wrapDataKey(randomBytes(32), pair.recipient);
    const ids = identitiesFromStrings([pair.identity]);
    const lines = enc.split("\n");
    // Flip one base64 character inside the payload (line 5 holds the nonce and ciphertext).
    const c = lines[4]![10]!;
    lines[4] = lines[4]!.slice(0, 10) + (c === "A" ? "B" : "A") + lines[4]!.slice(11);
    const bad = [lines.join("\n"), enc.replace("-----END AGE ENCRYPTED FILE-----", ""), "not age at all", enc.replace(/\n(?=[A-Za-z0-9+/])/, "\n\n")];
    for (const b of bad) {
      const err = await unwrapDataKey(b, ids).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SecretsError);
      expect((err as SecretsError).kind).toBe("generic");
      expect((err as SecretsError).message).not.toContain(pair.identity);
    }
  });

  it("throws config for a bad recipient", async () => {
    await expect(wrapDataKey(randomBytes(32), "age1nope")).rejects.toMatchObject({ kind: "config" });
  });
});

/**
 * X25519 points of small order (libsodium's blocklist, as 32-byte little-endian strings): 0, 1, the
 * two points of order 8, p-1, p, p+1, and the same with the top bit set (X25519 ignores it).
 */
const LOW_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

describe("wrapDataKey, X25519 on node:crypto", () => {
  // Go age opens them too: test/keys/go-age.interop.test.ts (npm run test:interop).
  it("a 32-byte data key and a 33-byte Shamir share: sops' shape, and ours and age-encryption open them", async () => {
    const pair = await generateKeyPair();
    const dataKey = randomBytes(32);
    const share = split(dataKey, 3, 2)[0]!;
    expect(share).toHaveLength(33);
    for (const payload of [dataKey, share]) {
      const enc = await wrapDataKey(payload, pair.recipient);
      // 232 or 233 bytes of age file: 312 base64 characters either way, so 385 characters like sops.
      expect(enc).toHaveLength(385);
      expect(enc.split("\n").map((l) => l.length)).toEqual([34, 64, 64, 64, 64, 56, 32, 0]);
      const h = shape(enc);
      expect(h.stanzas).toHaveLength(1);
      expect(h.stanzas[0]!.args).toHaveLength(2);
      expect(h.stanzas[0]!.args[0]).toBe("X25519");
      expect(h.stanzas[0]!.args[1]).toMatch(/^[A-Za-z0-9+/]{43}$/);
      expect(h.stanzas[0]!.body).toHaveLength(32);
      expect(h.payload).toHaveLength(16 + payload.length + 16);

      expect(Buffer.from((await unwrapDataKey(enc, identitiesFromStrings([pair.identity])))!)).toEqual(Buffer.from(payload));
      const d = new Decrypter();
      d.addIdentity(pair.identity);
      expect(Buffer.from(await d.decrypt(libArmor.decode(enc)))).toEqual(Buffer.from(payload));
    }
  });

  it("wraps to the same (cached) recipient again and again, a fresh ephemeral share and file key each time", async () => {
    const pair = await generateKeyPair();
    const ids = identitiesFromStrings([pair.identity]);
    const shares = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(32);
      // Surrounding whitespace is trimmed, as sops does: the same recipient.
      const enc = await wrapDataKey(key, i % 2 ? pair.recipient : ` ${pair.recipient}\n`);
      shares.add(parseHeader(dearmor(enc)).stanzas[0]!.args[1]!);
      expect(Buffer.from((await unwrapDataKey(enc, ids))!)).toEqual(key);
    }
    expect(shares.size).toBe(20);
  });

  it("refuses a low-order recipient point (all-zero shared secret) with SecretsError config", async () => {
    for (const hex of LOW_ORDER) {
      const recipient = bech32Encode("age", Buffer.from(hex, "hex"));
      const err = await wrapDataKey(randomBytes(32), recipient).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, hex).toBeInstanceOf(SecretsError);
      expect((err as SecretsError).kind).toBe("config");
      expect((err as SecretsError).message).toContain(recipient);
      expect((err as SecretsError).message).toMatch(/low-order/);
    }
  });
});

describe("interop with age-encryption (typage)", () => {
  it("typage opens ours, we open typage's (X25519)", async () => {
    const pair = await generateKeyPair();
    const key = randomBytes(32);
    const d = new Decrypter();
    d.addIdentity(pair.identity);
    expect(Buffer.from(await d.decrypt(libArmor.decode(await wrapDataKey(key, pair.recipient))))).toEqual(key);

    const e = new Encrypter();
    e.addRecipient(pair.recipient);
    const theirs = libArmor.encode(await e.encrypt(key));
    expect(Buffer.from((await unwrapDataKey(theirs, identitiesFromStrings([pair.identity])))!)).toEqual(key);
  });

  it("post-quantum: round trip, one mlkem768x25519 stanza, both directions", async () => {
    const pair = await generateKeyPair({ pq: true });
    expect(pair.recipient.startsWith("age1pq1")).toBe(true);
    expect(pair.recipient).toBe(await libRecipient(pair.identity));
    const key = randomBytes(32);
    const enc = await wrapDataKey(key, pair.recipient);
    const h = shape(enc);
    expect(h.stanzas.map((s) => s.args[0])).toEqual(["mlkem768x25519"]);
    const ids = identitiesFromStrings([pair.identity]);
    expect(Buffer.from((await unwrapDataKey(enc, ids))!)).toEqual(key);

    const d = new Decrypter();
    d.addIdentity(pair.identity);
    expect(Buffer.from(await d.decrypt(libArmor.decode(enc)))).toEqual(key);

    const other = await generateHybridIdentity();
    const e = new Encrypter();
    e.addRecipient(await libRecipient(other));
    const theirs = libArmor.encode(await e.encrypt(key));
    expect(Buffer.from((await unwrapDataKey(theirs, identitiesFromStrings([pair.identity, other])))!)).toEqual(key);
    expect(await unwrapDataKey(theirs, ids)).toBeNull();
  });

  it("an X25519 identity next to a PQ one: each opens its own", async () => {
    const [x, pq] = [await generateKeyPair(), await generateKeyPair({ pq: true })];
    const ids = identitiesFromStrings([pq.identity, x.identity]);
    const key = randomBytes(32);
    expect(Buffer.from((await unwrapDataKey(await wrapDataKey(key, x.recipient), ids))!)).toEqual(key);
    expect(Buffer.from((await unwrapDataKey(await wrapDataKey(key, pq.recipient), ids))!)).toEqual(key);
  });

  it("wraps to a P-256 tag recipient (one p256tag stanza)", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const x = Buffer.from(jwk.x!, "base64url");
    const y = Buffer.from(jwk.y!, "base64url");
    const compressed = Buffer.concat([Buffer.from([2 + (y[31]! & 1)]), x]);
    const tag = bech32Encode("age1tag", compressed);
    const h = shape(await wrapDataKey(randomBytes(32), tag));
    expect(h.stanzas.map((s) => s.args[0])).toEqual(["p256tag"]);
  });
});
