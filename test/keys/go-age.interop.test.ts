import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encryptAge } from "../../src/keys/age/encrypt.js";
import type { AgeRecipient, Stanza } from "../../src/keys/age/types.js";
import { X25519Recipient } from "../../src/keys/age/x25519.js";
import { identitiesFromStrings, loadIdentities } from "../../src/keys/identities.js";
import { appendToKeyFile, generateKeyPair } from "../../src/keys/keygen.js";
import { split } from "../../src/keys/shamir.js";
import { unwrapDataKey, wrapDataKey } from "../../src/keys/wrap.js";
import { goDecrypt, goTool } from "../helpers/go-age.js";

/** Our age writer, data-key wrapping and key files against the reference implementation (Go age). */

const KiB64 = 64 * 1024;
const root = mkdtempSync(join(tmpdir(), "keys-go-age-"));

describe("the Go age binary opens what we write", () => {
  it("a wrapped 32-byte data key and a 33-byte Shamir share", async () => {
    const pair = await generateKeyPair();
    const dataKey = randomBytes(32);
    for (const payload of [dataKey, split(dataKey, 3, 2)[0]!]) {
      expect(goDecrypt(pair.identity, await wrapDataKey(payload, pair.recipient))).toEqual(Buffer.from(payload));
    }
  });

  it("whole X25519 files across chunk boundaries", async () => {
    const pair = await generateKeyPair();
    const recipient = new X25519Recipient(pair.recipient);
    for (const n of [0, 32, 33, KiB64, KiB64 + 1, 3 * KiB64 - 7]) {
      const plain = randomBytes(n);
      expect(Buffer.compare(goDecrypt(pair.identity, await encryptAge(plain, [recipient])), plain), `Go age, ${n}`).toBe(0);
    }
  });

  it("several recipients and multi-line stanzas of unknown types: it skips those and opens its own", async () => {
    const unknown = (body: Uint8Array, ...args: string[]): AgeRecipient => ({ wrapFileKey: (): Stanza[] => [{ args: ["gitops-secrets-test", ...args], body }] });
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const plain = randomBytes(33);
    const file = await encryptAge(plain, [unknown(randomBytes(48), "x"), new X25519Recipient(a.recipient), unknown(randomBytes(100)), new X25519Recipient(b.recipient)]);
    for (const p of [a, b]) expect(goDecrypt(p.identity, file)).toEqual(plain);
  });
});

describe("we open what the Go age binary writes", () => {
  it("`age -r … -a`", async () => {
    const pair = await generateKeyPair();
    const key = randomBytes(32);
    const armored = goTool("age", ["-r", pair.recipient, "-a"], key).toString("latin1");
    expect(armored.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
    expect(Buffer.from((await unwrapDataKey(armored, identitiesFromStrings([pair.identity])))!)).toEqual(key);
  });

  it("a file `age` wrote to two recipients, with either identity", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const key = randomBytes(32);
    const armored = goTool("age", ["-r", a.recipient, "-r", b.recipient, "-a"], key).toString("latin1");
    for (const p of [a, b]) expect(Buffer.from((await unwrapDataKey(armored, identitiesFromStrings([p.identity])))!)).toEqual(key);
  });
});

describe("key files and the Go age tools", () => {
  it("`age-keygen -y` reads our key file", async () => {
    const path = join(root, "go-y.txt");
    const [p1, p2] = [await generateKeyPair(), await generateKeyPair()];
    await appendToKeyFile(path, p1);
    await appendToKeyFile(path, p2);
    expect(goTool("age-keygen", ["-y", path]).toString()).toBe(`${p1.recipient}\n${p2.recipient}\n`);
  });

  it("we read what `age-keygen -o` writes", async () => {
    const path = join(root, "go-o.txt");
    goTool("age-keygen", ["-o", path]);
    const recipient = /# public key: (age1\S+)/.exec(readFileSync(path, "utf8"))![1];
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: path }, homedir: join(root, "none") });
    expect(await Promise.all(set.identities.map((i) => i.recipient()))).toEqual([recipient]);
  });
});
