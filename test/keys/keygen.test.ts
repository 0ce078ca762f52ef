import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { identityToRecipient as libRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { loadIdentities } from "../../src/keys/identities.js";
import { appendToKeyFile, formatKeyFileEntry, generateKeyPair, identityToRecipient } from "../../src/keys/keygen.js";

const root = mkdtempSync(join(tmpdir(), "keys-gen-"));
const BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const CREATED = new Date("2026-01-02T03:04:05.678Z");

describe("generateKeyPair", () => {
  it("X25519: age-keygen's shapes, and typage agrees on the recipient", async () => {
    const p = await generateKeyPair();
    expect(p.identity).toMatch(new RegExp(`^AGE-SECRET-KEY-1[${BECH.toUpperCase()}]{58}$`));
    expect(p.recipient).toMatch(new RegExp(`^age1[${BECH}]{58}$`));
    expect(await libRecipient(p.identity)).toBe(p.recipient);
    expect(await identityToRecipient(p.identity)).toBe(p.recipient);
    expect((await generateKeyPair()).identity).not.toBe(p.identity);
  });

  it("post-quantum: AGE-SECRET-KEY-PQ-1… and a 1,959-character age1pq1… recipient", async () => {
    const p = await generateKeyPair({ pq: true });
    expect(p.identity).toMatch(/^AGE-SECRET-KEY-PQ-1[0-9A-Z]+$/);
    expect(p.recipient.startsWith("age1pq1")).toBe(true);
    expect(p.recipient).toHaveLength(1959);
    expect(await libRecipient(p.identity)).toBe(p.recipient);
  });

  it("identityToRecipient refuses garbage without echoing it", async () => {
    const secretish = "AGE-SECRET-KEY-1NOTAREALKEYATALLNOTAREALKEYATALLNOTAREALKEYATAL";
    await expect(identityToRecipient(secretish)).rejects.toMatchObject({ kind: "config" });
    await identityToRecipient(secretish).catch((e: Error) => expect(e.message).not.toContain(secretish));
  });
});

describe("appendToKeyFile", () => {
  it("creates parent dirs 0700 and the file 0600, in age-keygen's format", async () => {
    const path = join(root, "a", "sops", "age", "keys.txt");
    const p = await generateKeyPair();
    await appendToKeyFile(path, p, { created: CREATED });
    expect(readFileSync(path, "utf8")).toBe(`# created: 2026-01-02T03:04:05Z\n# public key: ${p.recipient}\n${p.identity}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "a", "sops", "age")).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, "a")).mode & 0o777).toBe(0o700);
  });

  it("appends, and the result loads back in order", async () => {
    const path = join(root, "b", "keys.txt");
    const [p1, p2] = [await generateKeyPair(), await generateKeyPair({ pq: true })];
    await appendToKeyFile(path, p1, { created: CREATED });
    await appendToKeyFile(path, p2, { created: CREATED });
    expect(readFileSync(path, "utf8")).toBe(formatKeyFileEntry(p1, CREATED) + formatKeyFileEntry(p2, CREATED));
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: path }, homedir: join(root, "none") });
    expect(set.errors).toEqual([]);
    expect(await Promise.all(set.identities.map((i) => i.recipient()))).toEqual([p1.recipient, p2.recipient]);
  });

  it("leaves an existing file's mode alone and completes its last line", async () => {
    const path = join(root, "c.txt");
    writeFileSync(path, "# hand written, no final newline");
    chmodSync(path, 0o400 | 0o200);
    const p = await generateKeyPair();
    await appendToKeyFile(path, p, { created: CREATED });
    expect(readFileSync(path, "utf8")).toBe("# hand written, no final newline\n" + formatKeyFileEntry(p, CREATED));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  for (const mode of [0o644, 0o640, 0o604]) {
    it(`refuses to add a key to an existing file readable by others (mode ${mode.toString(8)}): nothing written, mode kept`, async () => {
      const path = join(root, `readable-${mode.toString(8)}.txt`);
      writeFileSync(path, "# old\n");
      chmodSync(path, mode);
      const p = await generateKeyPair();
      const err = await appendToKeyFile(path, p).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: "write-output", exitCode: 3, file: path });
      expect((err as Error).message).toMatch(/readable by others \(mode 0\d{3}\); refusing .*chmod 600/);
      expect((err as Error).message).not.toContain(p.identity);
      expect(readFileSync(path, "utf8")).toBe("# old\n");
      expect(statSync(path).mode & 0o777).toBe(mode);
    });
  }

  it("fails with write-output naming the file, never the key", async () => {
    const blocker = join(root, "blocker");
    writeFileSync(blocker, "");
    const p = await generateKeyPair();
    const err = await appendToKeyFile(join(blocker, "keys.txt"), p).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "write-output", file: join(blocker, "keys.txt") });
    expect((err as Error).message).not.toContain(p.identity);
  });
});
