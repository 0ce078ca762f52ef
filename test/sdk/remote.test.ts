import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient } from "../../src/index.js";
import { raw } from "../server/serve-helpers.js";
import { BIG, loopbackFront, MORE_VALUES, requestsDuring, startRemoteFixture, type FrontAction, type RemoteFixture } from "./remote-helpers.js";

/**
 * `new SecretsClient({ url, token })` against a real `secrets serve` on loopback: the same methods,
 * paths and values as the files' client on the same repository (compared side by side), getMany's
 * one request per secret (counted in the server's audit log), and writes by check-and-set that
 * lose no concurrent update and keep the file's other keys as they were.
 */

let fx: RemoteFixture;
let remote: SecretsClient;

beforeAll(async () => {
  fx = await startRemoteFixture();
  remote = fx.remote();
}, 60_000);

afterAll(async () => {
  await fx?.cleanup();
});

const reads = (path: string) => ({ operation: "read", path });

describe("reads: the files' namespace and values", () => {
  const PATHS = ["app/password", "app/n", "team/db/user", "database/postgres/password", "database/postgres/port", "database/postgres/nested", "database/postgres/nested/deep/key", "cache/redis/password", "cache/redis", "/app/password", "withmeta/password"];

  it("get answers what the files' client answers, path for path (the longest secret wins; a shorter one holds nested keys)", async () => {
    for (const p of PATHS) expect(await remote.get(p), p).toEqual(await fx.local.get(p));
    expect(await remote.get("database/postgres/port")).toBe(5432);
    expect(await remote.get("cache/redis/password")).toBe(MORE_VALUES[1]);
  });

  it("an integer beyond 2^53 is the same bigint; a map holds no metadata sibling", async () => {
    expect(await remote.get("database/postgres/big")).toBe(BIG);
    expect(await fx.local.get("database/postgres/big")).toBe(BIG);
    await remote.set("bigs/app/n", BIG + 1n);
    await remote.set("bigs/app/n", BIG + 2n);
    expect(await remote.get("bigs/app/n")).toBe(BIG + 2n);
    expect(await fx.local.get("bigs/app/n")).toBe(BIG + 2n);
    expect(await remote.getString("withmeta/password")).toBe(MORE_VALUES[3]);
    // `withmeta/password_metadata_unencrypted` is the files' metadata, not a secret.
    expect(await remote.list("withmeta")).toEqual(["withmeta/password"]);
  });

  it("getMany: values keyed by the paths as given; one request per secret, not per path", async () => {
    const paths = ["app/password", "app/n", "/app/password", "database/postgres/password", "database/postgres/port", "database/postgres/nested"];
    let got: Record<string, unknown> = {};
    const requests = await requestsDuring(fx.auditFile, async () => {
      got = await remote.getMany(paths);
    });
    expect(got).toEqual(await fx.local.getMany(paths));
    expect(Object.keys(got)).toEqual(paths);
    expect(requests).toEqual(expect.arrayContaining([reads("secret/data/app"), reads("secret/data/database/postgres")]));
    expect(requests, JSON.stringify(requests)).toHaveLength(2);
  });

  it("getMany of paths in a shorter secret: one more request for each longer prefix that names none", async () => {
    const requests = await requestsDuring(fx.auditFile, () => remote.getMany(["cache/redis/password", "cache/redis", "database/postgres/nested/deep/key"]));
    expect(requests.map((r) => r.path).sort()).toEqual(["secret/data/cache", "secret/data/cache/redis", "secret/data/database/postgres", "secret/data/database/postgres/nested", "secret/data/database/postgres/nested/deep"]);
  });

  it("list answers what the files' client lists, except what the server's identity cannot open", async () => {
    for (const prefix of ["", "app", "database", "database/postgres", "database/postgres/nested", "cache/redis", "team/", "nope"]) {
      const mine = (await fx.local.list(prefix)).filter((p) => !p.startsWith("other/"));
      expect(await remote.list(prefix), prefix).toEqual(mine);
    }
    expect(await fx.local.list("other")).toEqual(["other/x"]);
    expect(await remote.list("other")).toEqual([]);
  });
});

describe("metadata", () => {
  it("the files' client's metadata (the sibling key) is read through the server", async () => {
    expect(await remote.getMetadata("withmeta/password")).toEqual({ owner: "team-db", ttl_days: 90, rotated: true });
    expect(await remote.getMetadata("app/password")).toBeUndefined();
  });

  it("set with metadata keeps it in the secret's custom_metadata, one JSON entry per key; set without keeps it", async () => {
    await remote.set("database/postgres/password", "pg-pass-remote-rotated", { metadata: { rotated_at: "2025-11-18", ttl_days: 30, auto: false, note: null } });
    expect(await remote.getMetadata("database/postgres/password")).toEqual({ rotated_at: "2025-11-18", ttl_days: 30, auto: false, note: null });
    await remote.set("database/postgres/port", 5433, { metadata: { owner: "dba" } });
    const m = await raw("GET", `${fx.served.url}/v1/secret/metadata/database/postgres`, { "X-Vault-Token": fx.token });
    expect(JSON.parse(m.body).data.custom_metadata).toEqual({
      "sdk-metadata:password": '{"rotated_at":"2025-11-18","ttl_days":30,"auto":false,"note":null}',
      "sdk-metadata:port": '{"owner":"dba"}',
    });
    await remote.set("database/postgres/password", MORE_VALUES[0]!);
    expect(await remote.getMetadata("database/postgres/password")).toEqual({ rotated_at: "2025-11-18", ttl_days: 30, auto: false, note: null });
    expect(await remote.get("database/postgres/password")).toBe(MORE_VALUES[0]);
  });

  it("set on a secret whose file holds the files' metadata keeps that metadata (the server writes the file it did not change as it was)", async () => {
    await remote.set("withmeta/other", "sibling-neighbour");
    expect(await fx.local.getMetadata("withmeta/password")).toEqual({ owner: "team-db", ttl_days: 90, rotated: true });
    expect(await fx.local.get("withmeta/other")).toBe("sibling-neighbour");
  });
});

describe("set", () => {
  it("a new secret: the file all segments but the last name, committed by the server", async () => {
    await remote.set("newapp/API_KEY", "api-key-remote-3");
    expect(await remote.get("newapp/API_KEY")).toBe("api-key-remote-3");
    expect(fx.sb.git("log", "-1", "--format=%s").trim()).toBe("write secret/newapp (version 1)");
    expect(await fx.local.get("newapp/API_KEY")).toBe("api-key-remote-3");
  });

  it("an existing key: a merge patch of that key alone; the file's other keys keep their place and ciphertext", async () => {
    const file = fx.sb.path("secrets/database/postgres.yaml");
    const before = readFileSync(file, "utf8");
    const requests = await requestsDuring(fx.auditFile, () => remote.set("database/postgres/alpha", "a-value-2"));
    expect(requests).toEqual([reads("secret/data/database/postgres"), { operation: "patch", path: "secret/data/database/postgres" }]);
    const after = readFileSync(file, "utf8");
    const keys = (t: string) => [...t.matchAll(/^(\w+):/gm)].map((m) => m[1]);
    expect(keys(after)).toEqual(keys(before));
    const line = (t: string, k: string) => t.split("\n").find((l) => l.startsWith(`${k}:`));
    expect(line(after, "zeta")).toBe(line(before, "zeta"));
    expect(line(after, "alpha")).not.toBe(line(before, "alpha"));
    expect(await remote.get("database/postgres/alpha")).toBe("a-value-2");
  });

  it("values a merge patch cannot say (a null, a key through a list) are whole-data writes with check-and-set", async () => {
    await remote.set("lists/app/items", ["a", { b: 1 }]);
    const requests = await requestsDuring(fx.auditFile, () => remote.set("lists/app/items/1/b", 2));
    // lists/app/items/1, lists/app/items: no such secrets; lists/app: read, then written whole.
    expect(requests.map((r) => r.operation)).toEqual(["read", "read", "read", "update"]);
    expect(await remote.get("lists/app/items")).toEqual(["a", { b: 2 }]);
    await remote.set("lists/app/nothing", null);
    expect(await remote.get("lists/app/nothing")).toBeNull();
    await remote.set("lists/app/map", { x: "1", y: { z: "2" } });
    await remote.set("lists/app/map", { y: { w: "3" } });
    expect(await remote.get("lists/app/map")).toEqual({ y: { w: "3" } });
    expect(await remote.get("lists/app/items")).toEqual(["a", { b: 2 }]);
  });

  it("concurrent sets of different keys of one secret lose nothing (each patch is merged under the server's lock)", async () => {
    const clients = [fx.remote(), fx.remote(), fx.remote()];
    await Promise.all(Array.from({ length: 9 }, (_, i) => clients[i % 3]!.set(`race/app/k${i}`, `v${i}`)));
    expect(await remote.getMany(Array.from({ length: 9 }, (_, i) => `race/app/k${i}`))).toEqual(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`race/app/k${i}`, `v${i}`])));
  }, 60_000);

  it("a write between the read and the patch of a map: the check-and-set mismatch reads again; neither update is lost", async () => {
    await remote.set("race/maps/a", { x: "1" });
    let wrote = false;
    const front = await loopbackFront(fx.served.url, async (_n, req): Promise<FrontAction> => {
      if (req.method === "PATCH" && !wrote) {
        wrote = true;
        // Someone else sets another key of the same secret first.
        const other = await raw("PATCH", `${fx.served.url}/v1/secret/data/race/maps`, { "X-Vault-Token": fx.token, "Content-Type": "application/merge-patch+json" }, JSON.stringify({ data: { b: "other-writer" } }));
        expect(other.status).toBe(200);
      }
      return "forward";
    });
    try {
      await new SecretsClient({ url: front.url, token: fx.token }).set("race/maps/a", { y: "2" });
      expect(front.requests.map((r) => r.method)).toEqual(["GET", "PATCH", "GET", "PATCH"]);
    } finally {
      await front.close();
    }
    expect(await remote.get("race/maps/a")).toEqual({ y: "2" });
    expect(await remote.get("race/maps/b")).toBe("other-writer");
  });

  it("a secret with cas_required: the patch is sent again with check-and-set", async () => {
    await remote.set("strict/app/a", "1");
    expect((await raw("POST", `${fx.served.url}/v1/secret/metadata/strict/app`, { "X-Vault-Token": fx.token, "Content-Type": "application/json" }, JSON.stringify({ cas_required: true }))).status).toBe(204);
    const requests = await requestsDuring(fx.auditFile, () => remote.set("strict/app/b", "2"));
    expect(requests.map((r) => r.operation)).toEqual(["read", "patch", "read", "patch"]);
    expect(await remote.getMany(["strict/app/a", "strict/app/b"])).toEqual({ "strict/app/a": "1", "strict/app/b": "2" });
  });

  it("a token without `patch` (many policies predate it) writes the whole data instead, with check-and-set", async () => {
    const t = await fx.tokenWithPolicy("no-patch", 'path "secret/data/race/*" {\n  capabilities = ["create", "read", "update"]\n}\n');
    const c = fx.remote({ token: t });
    const requests = await requestsDuring(fx.auditFile, () => c.set("race/app/k0", "v0-again"));
    expect(requests.map((r) => r.operation)).toEqual(["read", "patch", "update"]);
    expect(await c.get("race/app/k0")).toBe("v0-again");
    expect(await c.get("race/app/k8")).toBe("v8");
  });
});
