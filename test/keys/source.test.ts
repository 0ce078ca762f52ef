import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { createKeySource, ownRecipients } from "../../src/keys/source.js";

const dir = mkdtempSync(join(tmpdir(), "keys-src-"));

describe("createKeySource", () => {
  it("wraps, unwraps with the sops identity sources, and describes them without secrets", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const ks = createKeySource({ env: { SOPS_AGE_KEY: a.identity, SOPS_AGE_KEY_FILE: join(dir, "missing") }, homedir: dir });
    expect(ks.describe()).toBe("no age entry was tried");
    const key = new Uint8Array(32).fill(7);
    const mine = { recipient: a.recipient, enc: await ks.wrap(key, a.recipient) };
    const theirs = { recipient: b.recipient, enc: await ks.wrap(key, b.recipient) };
    expect(await ks.unwrap(mine)).toEqual(new Uint8Array(key));
    expect(await ks.unwrap(theirs)).toBeNull();
    const d = ks.describe();
    expect(d).toMatch(/SOPS_AGE_KEY \(1 identity\)/);
    expect(d).toMatch(/missing \(cannot read the file \(ENOENT\)\)/);
    expect(d).not.toContain(a.identity);
    await expect(ks.wrap(key, "ssh-ed25519 AAAA")).rejects.toMatchObject({ kind: "config" });
  });

  it("with SOPS_AGE_KEY_CMD, runs the command once per recipient with SOPS_AGE_RECIPIENT", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair()];
    const log = join(dir, "calls.log");
    const script = join(dir, "cmd.mjs");
    const keys = { [a.recipient]: a.identity, [b.recipient]: b.identity };
    writeFileSync(
      script,
      `import { appendFileSync } from "node:fs";
       const r = process.env.SOPS_AGE_RECIPIENT;
       appendFileSync(${JSON.stringify(log)}, r + "\\n");
       process.stdout.write((${JSON.stringify(keys)})[r] ?? "");`,
    );
    const ks = createKeySource({ env: { SOPS_AGE_KEY_CMD: `${process.execPath} ${script}` }, homedir: dir });
    const key = new Uint8Array(32).fill(9);
    const ea = { recipient: a.recipient, enc: await ks.wrap(key, a.recipient) };
    const eb = { recipient: b.recipient, enc: await ks.wrap(key, b.recipient) };
    expect(await ks.unwrap(ea)).toEqual(key);
    expect(await ks.unwrap(eb)).toEqual(key);
    expect(await ks.unwrap(ea)).toEqual(key);
    expect(readFileSync(log, "utf8")).toBe(`${a.recipient}\n${b.recipient}\n`);
  });
});

describe("ownRecipients", () => {
  it("lists the recipients of every identity found, once each", async () => {
    const [a, b] = [await generateKeyPair(), await generateKeyPair({ pq: true })];
    const file = join(dir, "own.txt");
    writeFileSync(file, `${b.identity}\n${a.identity}\n`);
    expect(await ownRecipients({ env: { SOPS_AGE_KEY: a.identity, SOPS_AGE_KEY_FILE: file }, homedir: dir })).toEqual([a.recipient, b.recipient]);
    expect(await ownRecipients({ env: {}, homedir: dir })).toEqual([]);
  });
});
