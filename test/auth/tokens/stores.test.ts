import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { combinedAuthority } from "../../../src/auth/tokens/combined.js";
import { RepositoryTokenStore } from "../../../src/auth/tokens/repository-store.js";
import { RuntimeTokenStore } from "../../../src/auth/tokens/runtime-store.js";
import { SecretsError } from "../../../src/errors.js";
import { hashToken } from "../../../src/auth/tokens/format.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tokens-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every file under `dir`, read as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

async function thrown(p: Promise<unknown>): Promise<SecretsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SecretsError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

const NOW = 1_700_000_000;

describe("RepositoryTokenStore", () => {
  it("creates a token whose text is returned once and stored only as a hash", async () => {
    const dir = tempDir();
    const store = new RepositoryTokenStore(join(dir, ".secrets", "tokens.yaml"));
    const { token, info } = await store.create({ name: "ci", policies: ["Deploy"], ttl: 3600, meta: { team: "a" } }, NOW);
    expect(token).toMatch(/^hvs\./);
    expect(info).toMatchObject({ displayName: "token-ci", policies: ["default", "deploy"], creationTime: NOW, expireTime: NOW + 3600, creationTtl: 3600, renewable: false, origin: "repository", meta: { team: "a" } });
    expect(allText(dir)).not.toContain(token);
    expect(allText(dir)).not.toContain(token.slice(4));
    // A new store (a restarted server) reads the file.
    const again = new RepositoryTokenStore(store.path);
    expect((await again.lookup(token, NOW + 10))?.accessor).toBe(info.accessor);
    expect((await again.lookupAccessor(info.accessor, NOW))?.name).toBe("ci");
    expect(await again.lookup(token + "x", NOW)).toBeNull();
  });

  it("expires a token at creation + ttl; no ttl never expires", async () => {
    const store = new RepositoryTokenStore(join(tempDir(), "tokens.yaml"));
    const short = await store.create({ name: "short", policies: ["p"], ttl: 60 }, NOW);
    const admin = await store.create({ name: "admin", policies: ["root"] }, NOW);
    expect(await store.lookup(short.token, NOW + 59)).not.toBeNull();
    expect(await store.lookup(short.token, NOW + 60)).toBeNull();
    expect(await store.lookup(admin.token, NOW + 10 ** 9)).toMatchObject({ policies: ["root"], expireTime: null });
    expect((await store.list(NOW + 60)).map((e) => [e.name, e.expired])).toEqual([
      ["admin", false],
      ["short", true],
    ]);
  });

  it("revokes by name; refuses a taken or missing name", async () => {
    const store = new RepositoryTokenStore(join(tempDir(), "tokens.yaml"));
    const { token } = await store.create({ name: "ci", policies: ["p"] }, NOW);
    expect((await thrown(store.create({ name: "ci", policies: ["p"] }, NOW))).kind).toBe("usage");
    await store.revoke("ci");
    expect(await store.lookup(token, NOW)).toBeNull();
    expect((await thrown(store.revoke("ci"))).kind).toBe("not-found");
    expect((await thrown(store.create({ name: "../x", policies: ["p"] }, NOW))).kind).toBe("usage");
  });

  it("loses no token when many are created at once", async () => {
    const path = join(tempDir(), "tokens.yaml");
    // Two store objects: two writers that share only the file and its lock.
    const [a, b] = [new RepositoryTokenStore(path), new RepositoryTokenStore(path)];
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).create({ name: `t${i}`, policies: ["p"] }, NOW)));
    const reader = new RepositoryTokenStore(path);
    expect(await reader.list(NOW)).toHaveLength(20);
    for (const m of made) expect(await reader.lookup(m.token, NOW)).not.toBeNull();
  });

  it("refuses a file with an unknown key, naming the field, not quoting values", async () => {
    const { writeFileSync } = await import("node:fs");
    const path = join(tempDir(), "tokens.yaml");
    writeFileSync(path, "version: 1\ntokens:\n  x:\n    accessor: nope\n");
    const e = await thrown(new RepositoryTokenStore(path).lookup("hvs.x", NOW));
    expect(e.kind).toBe("config");
    expect(e.message).toContain("tokens.x.accessor");
  });
});

describe("RuntimeTokenStore", () => {
  const root = { accessor: "R".repeat(24), policies: ["root"], expireTime: null } as const;
  function parentInfo(p: Partial<{ accessor: string; policies: string[]; expireTime: number | null }>) {
    return { displayName: "token", creationTime: NOW, creationTtl: 0, renewable: false, origin: "repository" as const, meta: {}, ...root, ...p, policies: [...(p.policies ?? root.policies)] };
  }

  it("creates a child that survives a restart, in a 0600 file with no token in it", async () => {
    const dir = tempDir();
    const parents = { lookupAccessor: (a: string) => Promise.resolve(a === root.accessor ? parentInfo({}) : null) };
    const store = new RuntimeTokenStore(join(dir, "state"), { parents });
    const { token, info } = await store.createChild(parentInfo({}), { sudo: true, policies: ["dev"], ttl: 600 }, NOW);
    expect(info).toMatchObject({ policies: ["default", "dev"], expireTime: NOW + 600, renewable: true, origin: "runtime", parentAccessor: root.accessor });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(allText(dir)).not.toContain(token.slice(4));
    const restarted = new RuntimeTokenStore(join(dir, "state"), { parents });
    expect((await restarted.lookup(token, NOW + 1))?.accessor).toBe(info.accessor);
    expect(await restarted.lookup(token, NOW + 600)).toBeNull();
  });

  it("counts a child of an unknown parent as revoked (no repository store given)", async () => {
    const store = new RuntimeTokenStore(tempDir());
    const { token } = await store.createChild(parentInfo({}), { sudo: true }, NOW);
    expect(await store.lookup(token, NOW)).toBeNull();
  });

  it("enforces the child-subset rule without sudo", async () => {
    const store = new RuntimeTokenStore(tempDir());
    const parent = parentInfo({ policies: ["default", "dev"], expireTime: NOW + 3600 });
    const e = await thrown(store.createChild(parent, { sudo: false, policies: ["prod"] }, NOW));
    expect([e.kind, e.message]).toEqual(["usage", "child policies must be subset of parent"]);
    expect((await thrown(store.createChild(parent, { sudo: false, noParent: true }, NOW))).message).toBe("root or sudo privileges required to create orphan token");
  });

  it("kills a child with its parent: revoking the parent, or the parent leaving the repository", async () => {
    let repositoryHasParent = true;
    const parents = { lookupAccessor: (a: string) => Promise.resolve(repositoryHasParent && a === root.accessor ? parentInfo({}) : null) };
    const store = new RuntimeTokenStore(tempDir(), { parents });
    const a = await store.createChild(parentInfo({}), { sudo: true, policies: ["dev"] }, NOW);
    const b = await store.createChild(a.info, { sudo: false }, NOW);
    const orphan = await store.createChild(a.info, { sudo: true, noParent: true }, NOW);
    expect(await store.lookup(b.token, NOW)).not.toBeNull();
    expect(await store.revoke(a.token, NOW)).toBe(true);
    expect(await store.lookup(b.token, NOW)).toBeNull();
    expect(await store.lookup(orphan.token, NOW)).not.toBeNull();
    const c = await store.createChild(parentInfo({}), { sudo: true }, NOW);
    repositoryHasParent = false;
    expect(await store.lookup(c.token, NOW)).toBeNull();
    expect(await store.accessors(NOW)).toEqual([orphan.info.accessor]);
  });

  it("renews as Vault does: increment or last TTL, capped by explicit_max_ttl; not a non-renewable token", async () => {
    const store = new RuntimeTokenStore(tempDir(), { parents: { lookupAccessor: () => Promise.resolve(parentInfo({})) } });
    const parent = parentInfo({});
    const { token } = await store.createChild(parent, { sudo: true, ttl: 100, explicitMaxTtl: 1000 }, NOW);
    const r1 = await store.renew(token, 0, NOW + 50);
    expect([r1.expireTime, r1.lastRenewalTime, r1.currentTtl]).toEqual([NOW + 150, NOW + 50, 100]);
    const r2 = await store.renew(token, 5000, NOW + 100);
    expect(r2.expireTime).toBe(NOW + 1000);
    const fixed = await store.createChild(parent, { sudo: true, ttl: 100, renewable: false }, NOW);
    expect((await thrown(store.renew(fixed.token, 10, NOW))).message).toBe("lease is not renewable");
    const forever = await store.createChild(parent, { sudo: true, policies: ["root"] }, NOW);
    expect(forever.info).toMatchObject({ expireTime: null, renewable: false });
    expect((await thrown(store.renew(forever.token, 10, NOW))).message).toBe("lease is not renewable");
    const unknown = "hvs.UnknownTokenUnknownTok";
    const e = await thrown(store.renew(unknown, 10, NOW));
    expect(e.message).toBe("token not found");
    expect(`${e.toLine()} ${String(e.file)}`).not.toContain(unknown);
    expect((await store.renewAccessor(r2.accessor, 10, NOW + 200)).expireTime).toBe(NOW + 210);
  });

  it("loses no token when two stores create at once", async () => {
    const dir = tempDir();
    const [a, b] = [new RuntimeTokenStore(dir), new RuntimeTokenStore(dir)];
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).createChild(parentInfo({}), { sudo: true, noParent: true }, NOW)));
    const reader = new RuntimeTokenStore(dir);
    for (const m of made) expect(await reader.lookup(m.token, NOW)).not.toBeNull();
    expect(await reader.accessors(NOW)).toHaveLength(20);
  });

  it("issues orphans for logins and revokes them by accessor", async () => {
    const store = new RuntimeTokenStore(tempDir());
    const { token, info } = await store.issueOrphan({ displayName: "jwt-repo:x", policies: ["ci"], ttl: 60 }, NOW);
    expect(info).toMatchObject({ policies: ["ci", "default"], parentAccessor: null });
    expect(await store.revokeAccessor(info.accessor, NOW)).toBe(true);
    expect(await store.lookup(token, NOW)).toBeNull();
  });
});

describe("RuntimeTokenStore: revoke-orphan, chosen tokens, creation paths, live hashes", () => {
  const parent = { accessor: "P".repeat(24), displayName: "token", policies: ["root"], creationTime: NOW, expireTime: null, creationTtl: 0, renewable: false, origin: "repository" as const, meta: {} };
  const parents = { lookupAccessor: (a: string) => Promise.resolve(a === parent.accessor ? parent : null) };

  it("revokeOrphan removes the token and orphans its children; for a token kept elsewhere it orphans its children only", async () => {
    const store = new RuntimeTokenStore(tempDir(), { parents });
    const a = await store.createChild(parent, { sudo: true }, NOW);
    const b = await store.createChild(a.info, { sudo: true }, NOW);
    const c = await store.createChild(b.info, { sudo: true }, NOW);
    expect(await store.revokeOrphan(a.info.accessor, NOW)).toBe(true);
    expect(await store.lookup(a.token, NOW)).toBeNull();
    expect((await store.lookup(b.token, NOW))?.parentAccessor).toBeNull();
    expect((await store.lookup(c.token, NOW))?.parentAccessor).toBe(b.info.accessor);
    const d = await store.createChild(parent, { sudo: true }, NOW);
    expect(await store.revokeOrphan(parent.accessor, NOW)).toBe(true);
    expect((await store.lookup(d.token, NOW))?.parentAccessor).toBeNull();
    expect(await store.revokeOrphan("N".repeat(24), NOW)).toBe(false);
  });

  it("keeps the creation path; a chosen token is used as given, once", async () => {
    const store = new RuntimeTokenStore(tempDir(), { parents });
    const made = await store.createChild(parent, { sudo: true, orphan: true, path: "auth/token/create-orphan", token: "my-chosen-token" }, NOW);
    expect(made.token).toBe("my-chosen-token");
    expect(made.info).toMatchObject({ path: "auth/token/create-orphan", parentAccessor: null });
    expect((await store.issueOrphan({ displayName: "jwt", policies: ["ci"], path: "auth/jwt/login" }, NOW)).info.path).toBe("auth/jwt/login");
    expect((await store.createChild(parent, { sudo: true }, NOW)).info.path).toBe("auth/token/create");
    const dup = await thrown(store.createChild(parent, { sudo: true, token: "my-chosen-token" }, NOW));
    expect([dup.kind, dup.message]).toEqual(["usage", "cannot create a token with a duplicate ID"]);
  });

  it("liveHashes: the stored hashes of the live tokens only", async () => {
    const store = new RuntimeTokenStore(tempDir(), { parents });
    const a = await store.createChild(parent, { sudo: true, ttl: 10 }, NOW);
    const b = await store.createChild(parent, { sudo: true, ttl: 100 }, NOW);
    const live = await store.liveHashes(NOW + 50);
    expect(live.has(hashToken(b.token))).toBe(true);
    expect(live.has(hashToken(a.token))).toBe(false);
  });
});

describe("combinedAuthority", () => {
  it("answers from whichever store knows the token", async () => {
    const dir = tempDir();
    const repo = new RepositoryTokenStore(join(dir, "tokens.yaml"));
    const runtime = new RuntimeTokenStore(join(dir, "state"), { parents: repo });
    const admin = await repo.create({ name: "admin", policies: ["root"] }, NOW);
    const child = await runtime.createChild(admin.info, { sudo: true, policies: ["dev"] }, NOW);
    const all = combinedAuthority(repo, runtime);
    expect((await all.lookup(admin.token, NOW))?.origin).toBe("repository");
    expect((await all.lookup(child.token, NOW))?.origin).toBe("runtime");
    expect((await all.lookupAccessor(child.info.accessor, NOW))?.policies).toEqual(["default", "dev"]);
    expect(await all.lookup("hvs.nothing", NOW)).toBeNull();
    // Revoking the repository token (a pull request) takes its children with it.
    await repo.revoke("admin");
    expect(await all.lookup(child.token, NOW)).toBeNull();
  });
});
