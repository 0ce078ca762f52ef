import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens/format.js";
import { isSecretsError } from "../../src/errors.js";
import { identitiesFromStrings } from "../../src/keys/identities.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { CubbyholeStore } from "../../src/server/cubbyhole/store.js";

/**
 * The cubbyhole store (src/server/cubbyhole/store.ts): encrypted at rest under a key wrapped to
 * the server's identity, one file per token named by the token's stored hash, bound to that name.
 */

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cubbyhole-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const alive = () => Promise.resolve(true);
const A = hashToken("hvs.token-a");
const B = hashToken("hvs.token-b");

async function store(stateDir: string, identity?: string): Promise<CubbyholeStore> {
  const id = identity ?? (await generateKeyPair()).identity;
  return new CubbyholeStore({ stateDir, identities: identitiesFromStrings([id]) });
}

describe("CubbyholeStore", () => {
  it("keeps each token's entries apart; lists as storage does (folders with a slash, sorted)", async () => {
    const s = await store(tempDir());
    await s.write(A, "app/db", { password: "p-1" }, alive);
    await s.write(A, "app/cache/x", { v: 1 }, alive);
    await s.write(A, "top", { v: true }, alive);
    await s.write(B, "app/db", { password: "p-2" }, alive);
    expect(await s.read(A, "app/db")).toEqual({ password: "p-1" });
    expect(await s.read(B, "app/db")).toEqual({ password: "p-2" });
    expect(await s.read(B, "top")).toBeNull();
    expect(await s.list(A, "")).toEqual(["app/", "top"]);
    expect(await s.list(A, "app/")).toEqual(["cache/", "db"]);
    expect(await s.list(B, "")).toEqual(["app/"]);
    await s.delete(A, "top", alive);
    expect(await s.read(A, "top")).toBeNull();
  });

  it("encrypts at rest: 0700 folder, 0600 files, no plaintext; the key file is an age file only the identity opens", async () => {
    const stateDir = tempDir();
    const pair = await generateKeyPair();
    const s = await store(stateDir, pair.identity);
    await s.write(A, "k", { secret: "plain-text-7731" }, alive);
    const dir = join(stateDir, "cubbyhole");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, f), "utf8")).not.toContain("plain-text-7731");
      expect(readFileSync(join(dir, f), "utf8")).not.toContain("secret");
    }
    expect(readFileSync(join(dir, "key.age"), "utf8")).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----/);
    // The same identity, a new store (a restart): the entries open.
    expect(await (await store(stateDir, pair.identity)).read(A, "k")).toEqual({ secret: "plain-text-7731" });
    // Another identity cannot open the key: a config error naming the file, no value.
    const err = await (await store(stateDir)).read(A, "k").catch((e: unknown) => e);
    expect(isSecretsError(err) && err.kind === "config" && err.message.includes("key.age")).toBe(true);
  });

  it("a file renamed to another token's name does not open (its name is the additional data)", async () => {
    const stateDir = tempDir();
    const pair = await generateKeyPair();
    const s = await store(stateDir, pair.identity);
    await s.write(A, "k", { v: "a" }, alive);
    const dir = join(stateDir, "cubbyhole");
    renameSync(join(dir, `${A.slice(7)}.json`), join(dir, `${B.slice(7)}.json`));
    const err = await s.read(B, "k").catch((e: unknown) => e);
    expect(isSecretsError(err) && /damaged/.test(err.message)).toBe(true);
    writeFileSync(join(dir, `${A.slice(7)}.json`), "{not json");
    expect(isSecretsError(await s.read(A, "k").catch((e: unknown) => e))).toBe(true);
  });

  it("sweep removes the cubbyholes of tokens no longer live, and nothing else; a dead token's write is dropped", async () => {
    const stateDir = tempDir();
    const s = await store(stateDir);
    await s.write(A, "k", { v: 1 }, alive);
    await s.write(B, "k", { v: 2 }, alive);
    await s.sweep(new Set([B]));
    expect(await s.read(A, "k")).toBeNull();
    expect(await s.read(B, "k")).toEqual({ v: 2 });
    expect(readdirSync(join(stateDir, "cubbyhole")).sort()).toEqual([`${B.slice(7)}.json`, "key.age"].sort());
    await s.write(A, "k", { v: 3 }, () => Promise.resolve(false));
    expect(await s.read(A, "k")).toBeNull();
  });

  it("loses no entry when many writes to one cubbyhole run at once", async () => {
    const s = await store(tempDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.write(A, `k${i}`, { i }, alive)));
    expect((await s.list(A, "")).length).toBe(20);
  });
});
