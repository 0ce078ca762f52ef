import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engineTable, type DynamicEngine, type LeasedCredential } from "../../src/engines/engine.js";
import { SecretsError } from "../../src/errors.js";
import { DirectoryLeaseStore } from "../../src/leases/directory-store.js";
import { formatLeaseId, parseCredsPath, parseLeaseId } from "../../src/leases/lease-id.js";
import { LeaseManager } from "../../src/leases/manager.js";
import type { LeaseRecord } from "../../src/leases/record.js";
import type { LeaseStore } from "../../src/leases/store.js";
import { backoffMs, withRetries } from "../../src/leases/retry.js";
import { leaseTtl } from "../../src/leases/ttl.js";
import { humanDuration } from "../../src/util/go-duration.js";

/** Leases without a database: ids, TTLs, the state-directory store, retries, and the manager over an engine double. */

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "secrets-lease-unit-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function record(leaseId: string, over: Partial<LeaseRecord> = {}): LeaseRecord {
  return { version: 1, lease_id: leaseId, path: "database/creds/app", issue_time: 100, expire_time: 200, last_renewal: null, ttl: 100, renewable: true, display_name: "t", internal: {}, revoke_error: "", ...over };
}

describe("lease ids", () => {
  it("are <mount>/creds/<role>/<credential>, read from the end", () => {
    expect(formatLeaseId({ mount: "database", role: "app", credentialId: "v-x-app-1" })).toBe("database/creds/app/v-x-app-1");
    expect(parseLeaseId("db/prod/creds/read.only/v-a-b-1")).toEqual({ mount: "db/prod", role: "read.only", credentialId: "v-a-b-1" });
    for (const bad of ["database/app/v-1", "creds/app/v-1", "database/creds/a b/v-1", "database/creds/app/v 1", "../creds/app/v-1", 'database/creds/app"/x']) {
      expect(() => parseLeaseId(bad), bad).toThrow("invalid lease ID");
    }
    expect(parseCredsPath("database/creds/app")).toEqual({ mount: "database", role: "app" });
    expect(parseCredsPath("database/app")).toEqual({ mount: "database", role: "app" });
    expect(() => parseCredsPath("database/creds/-x")).toThrow(SecretsError);
  });

  it("name the sts endpoint too (Vault's aws/sts/<role>), and only then carry it", () => {
    expect(parseCredsPath("aws/sts/deploy")).toEqual({ mount: "aws", role: "deploy", endpoint: "sts" });
    expect(parseCredsPath("aws/creds/deploy")).toEqual({ mount: "aws", role: "deploy" });
    expect(formatLeaseId({ mount: "aws", role: "deploy", credentialId: "x-1", endpoint: "sts" })).toBe("aws/sts/deploy/x-1");
    expect(parseLeaseId("aws/sts/deploy/x-1")).toEqual({ mount: "aws", role: "deploy", credentialId: "x-1", endpoint: "sts" });
    expect(() => formatLeaseId({ mount: "aws", role: "deploy", credentialId: "x-1", endpoint: "keys" })).toThrow(SecretsError);
    expect(() => parseLeaseId("aws/keys/deploy/x-1")).toThrow("invalid lease ID");
  });
});

describe("TTLs (Vault's CalculateTTL)", () => {
  it("takes the increment, else the role's default, else 768h; caps at issue + max with Vault's warning", () => {
    expect(leaseTtl({ increment: 0, defaultTtl: 0, maxTtl: 0, issueTime: 0, now: 0 })).toEqual({ ttl: 768 * 3600, warnings: [] });
    expect(leaseTtl({ increment: 0, defaultTtl: 60, maxTtl: 0, issueTime: 0, now: 0 })).toEqual({ ttl: 60, warnings: [] });
    expect(leaseTtl({ increment: 7200, defaultTtl: 60, maxTtl: 3600, issueTime: 0, now: 600 })).toEqual({
      ttl: 3000,
      warnings: ['TTL of "2h" exceeded the effective max_ttl of "50m"; TTL value is capped accordingly'],
    });
    expect(() => leaseTtl({ increment: 1, defaultTtl: 1, maxTtl: 10, issueTime: 0, now: 10 })).toThrow("past the max TTL, cannot renew");
  });

  it("prints durations as Go does, zero parts dropped", () => {
    expect([0, 5, 60, 90, 3600, 3605, 5400, 86400, 90061].map(humanDuration)).toEqual(["0s", "5s", "1m", "1m30s", "1h", "1h5s", "1h30m", "24h", "25h1m1s"]);
  });
});

describe("retries", () => {
  it("wait 2^n × base ± 50% and retry only engine-unavailable", async () => {
    expect(backoffMs({ attempts: 6, baseMs: 10_000 }, 1, () => 0)).toBe(10_000);
    expect(backoffMs({ attempts: 6, baseMs: 10_000 }, 1, () => 0.999999)).toBeCloseTo(30_000, -1);
    expect(backoffMs({ attempts: 6, baseMs: 10_000 }, 3, () => 0.5)).toBe(80_000);
    const waits: number[] = [];
    let calls = 0;
    const out = await withRetries({ attempts: 3, baseMs: 10 }, () => {
      calls++;
      return Promise.reject(new SecretsError("engine-unavailable", "down"));
    }, (ms) => {
      waits.push(ms);
      return Promise.resolve();
    });
    expect([out.ok, out.attempts, calls, waits.length]).toEqual([false, 3, 3, 2]);
    const final = await withRetries({ attempts: 5, baseMs: 10 }, () => Promise.reject(new SecretsError("engine-failed", "no")), () => Promise.resolve());
    expect([final.ok, final.attempts, final.error?.kind]).toEqual([false, 1, "engine-failed"]);
  });
});

describe("the state-directory store", () => {
  it("keeps one 0600 file per lease in 0700 folders, survives a new instance, lists by prefix in order", async () => {
    const dir = tempDir();
    const store = new DirectoryLeaseStore(dir);
    for (const id of ["database/creds/b/v-2", "database/creds/a/v-1", "other/creds/a/v-3"]) await store.update(id, () => Promise.resolve(record(id)));
    const again = new DirectoryLeaseStore(dir);
    expect((await again.list("database/")).map((r) => r.lease_id)).toEqual(["database/creds/a/v-1", "database/creds/b/v-2"]);
    expect(await again.get("database/creds/a/v-1")).toEqual(record("database/creds/a/v-1"));
    expect(await again.get("database/creds/a/v-9")).toBeNull();
    const file = again.fileOf("database/creds/a/v-1");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, "..")).mode & 0o777).toBe(0o700);
    await again.update("database/creds/a/v-1", () => Promise.resolve(null));
    expect(await again.get("database/creds/a/v-1")).toBeNull();
    await again.update("database/creds/b/v-2", () => Promise.resolve(undefined));
    expect(await again.get("database/creds/b/v-2")).not.toBeNull();
  });

  it("serializes concurrent changes of one lease and stores nothing when a change throws", async () => {
    const store = new DirectoryLeaseStore(tempDir());
    const id = "database/creds/a/v-1";
    await store.update(id, () => Promise.resolve(record(id, { ttl: 0 })));
    await Promise.all(Array.from({ length: 20 }, () => store.update(id, async (r) => ({ ...r!, ttl: r!.ttl + 1 }))));
    expect((await store.get(id))?.ttl).toBe(20);
    await expect(store.update(id, () => Promise.reject(new SecretsError("usage", "no")))).rejects.toThrow("no");
    expect((await store.get(id))?.ttl).toBe(20);
    const files = readdirSync(join(store.fileOf(id), ".."));
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".tmp") || f.endsWith(".lock"))).toEqual([]);
  });

  it("refuses a record that is not what it wrote, naming the file", async () => {
    const store = new DirectoryLeaseStore(tempDir());
    const id = "database/creds/a/v-1";
    await store.update(id, () => Promise.resolve(record(id)));
    writeFileSync(store.fileOf(id), "{not json");
    await expect(store.get(id)).rejects.toMatchObject({ kind: "read-input" });
    writeFileSync(store.fileOf(id), JSON.stringify({ ...record(id), extra: 1 }));
    await expect(store.list()).rejects.toThrow(/Unrecognized key/);
  });
});

/** An engine double: credentials in a map; `down` makes every call fail as an unreachable database would. */
function fakeEngine(): DynamicEngine & { creds: Map<string, number>; down: boolean; revokes: number } {
  let n = 0;
  const e = {
    type: "fake",
    mount: "fake",
    creds: new Map<string, number>(),
    down: false,
    revokes: 0,
    check() {
      if (e.down) throw new SecretsError("engine-unavailable", "database fake: could not reach the database");
    },
    issue(req: { role: string; ttl: number; now: number }) {
      e.check();
      const id = `c-${++n}`;
      e.creds.set(id, req.now + (req.ttl || 60));
      return Promise.resolve({ credentialId: id, data: { username: id, password: "pw" }, ttl: req.ttl || 60, renewable: true, warnings: [], internal: { db_name: "x" } });
    },
    state(c: LeasedCredential) {
      e.check();
      const exp = e.creds.get(c.credentialId);
      return Promise.resolve(exp === undefined ? null : { issueTime: null, expireTime: exp });
    },
    renew(c: LeasedCredential, inc: number, now: number) {
      e.check();
      e.creds.set(c.credentialId, now + (inc || 60));
      return Promise.resolve({ ttl: inc || 60, warnings: [] });
    },
    revoke(c: LeasedCredential) {
      e.revokes++;
      e.check();
      e.creds.delete(c.credentialId);
      return Promise.resolve();
    },
    tidy: () => Promise.resolve({ reaped: [], failures: [] }),
    close: () => Promise.resolve(),
  };
  return e;
}

describe("the lease manager", () => {
  const noWait = (): Promise<void> => Promise.resolve();

  it("takes a credential back when its record cannot be stored", async () => {
    const engine = fakeEngine();
    const failing: LeaseStore = { get: () => Promise.resolve(null), list: () => Promise.resolve([]), update: () => Promise.reject(new SecretsError("write-output", "disk full")) };
    const m = new LeaseManager({ engines: engineTable([engine]), store: failing, sleep: noWait });
    await expect(m.issue("fake/creds/app", { displayName: "t", now: 10 })).rejects.toThrow("disk full");
    expect([...engine.creds.keys()]).toEqual([]);
  });

  it("marks a lease with no record irrevocable when revocation fails, and tidy revokes it later", async () => {
    const engine = fakeEngine();
    const store = new DirectoryLeaseStore(tempDir());
    const m = new LeaseManager({ engines: engineTable([engine]), store, retry: { attempts: 2, baseMs: 1 }, sleep: noWait });
    const lease = await m.issue("fake/app", { displayName: "t", now: 10 });
    await store.update(lease.lease_id, () => Promise.resolve(null));
    engine.down = true;
    await expect(m.revoke(lease.lease_id, { now: 20 })).rejects.toMatchObject({ kind: "engine-unavailable" });
    expect(engine.revokes).toBe(2);
    const [irrevocable] = await m.list({ irrevocable: true, now: 20 });
    expect(irrevocable).toMatchObject({ id: lease.lease_id, renewable: false, revoke_error: "out of retries: database fake: could not reach the database" });
    engine.down = false;
    expect(await m.tidy(30)).toEqual({ revoked: [lease.lease_id], reaped: [], irrevocable: [], failures: [] });
    expect(await m.list({ now: 30 })).toEqual([]);
  });

  it("renews a lease with no record from what the engine says, and refuses unknown mounts", async () => {
    const engine = fakeEngine();
    const m = new LeaseManager({ engines: engineTable([engine]), store: new DirectoryLeaseStore(tempDir()), sleep: noWait });
    await expect(m.renew("fake/creds/app/c-404", 0, 1)).rejects.toThrow("lease not found");
    engine.creds.set("c-9", 50);
    await expect(m.renew("fake/creds/app/c-9", 10, 40)).resolves.toEqual({ lease_id: "fake/creds/app/c-9", lease_duration: 10, renewable: true, warnings: [] });
    await expect(m.renew("fake/creds/app/c-9", 10, 60)).rejects.toThrow("lease expired");
    await expect(m.issue("nowhere/creds/app", { displayName: "t", now: 1 })).rejects.toThrow("no dynamic secrets engine is mounted at nowhere/");
  });

  it("hands an engine the endpoint and the request's fields, keeps the sts path in the lease, and passes on a revocation's warnings", async () => {
    const engine = fakeEngine();
    const seen: unknown[] = [];
    const issue = engine.issue.bind(engine);
    engine.issue = (req) => {
      seen.push({ endpoint: req.endpoint, parameters: req.parameters });
      return issue(req);
    };
    const m = new LeaseManager({ engines: engineTable([{ ...engine, revocationWarnings: ["cannot be revoked early"] }]), store: new DirectoryLeaseStore(tempDir()), sleep: noWait });
    const lease = await m.issue("fake/sts/app", { displayName: "t", now: 10, parameters: { role_arn: "arn:aws:iam::1:role/x" } });
    expect(seen).toEqual([{ endpoint: "sts", parameters: { role_arn: "arn:aws:iam::1:role/x" } }]);
    expect(lease.lease_id).toMatch(/^fake\/sts\/app\/c-\d+$/);
    expect((await m.lookup(lease.lease_id, 11)).path).toBe("fake/sts/app");
    expect(await m.revoke(lease.lease_id, { now: 12 })).toEqual({ leaseId: lease.lease_id, revoked: true, warnings: ["cannot be revoked early"] });
    expect(await m.list({ now: 12 })).toEqual([]);
  });
});
