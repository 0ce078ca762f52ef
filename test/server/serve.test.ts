import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { raw, startAuditedServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * `secrets serve` as a process (dist/cli.js), with real Vault clients: node-vault, hashi-vault-js,
 * node-vault-client, and node:http for exact bytes. Expected bodies and strings are Vault's, from
 * the sources cited in src/server/ (http/sys_health.go, http/handler.go, vault/router.go,
 * vault-plugin-secrets-kv path_data.go / path_metadata.go, sdk/logical/response_util.go).
 */

const require = createRequire(import.meta.url);

let sb: Sandbox;
let served: Served;
let token: string;
let auditFile: string;

beforeAll(async () => {
  ({ sb, served, token, auditFile } = await startAuditedServe());
}, 60_000);

// The server is stopped here too: the last test stops it, but a failure before that must not leak the process.
afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const auth = () => ({ "X-Vault-Token": token });
const ENVELOPE_KEYS = ["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"];

describe("start", () => {
  it("prints where it listens and the one-time root token, nothing else secret", () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^hvs\./);
    for (const v of VALUES) expect(served.stderr()).not.toContain(v);
  });

  it("refuses plain HTTP off loopback without --insecure-listen", async () => {
    const r = await sb.run(["serve", "--listen", "0.0.0.0:0"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not a loopback address");
  });
});

describe("sys/health and sys/seal-status (raw HTTP)", () => {
  it("GET sys/health: Vault's fields, 200, Content-Type application/json exactly", async () => {
    const r = await raw("GET", `${served.url}/v1/sys/health`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body.endsWith("}\n")).toBe(true);
    const b = JSON.parse(r.body);
    expect(Object.keys(b)).toEqual(["initialized", "sealed", "standby", "performance_standby", "replication_performance_mode", "replication_dr_mode", "server_time_utc", "version", "cluster_name", "cluster_id"]);
    expect(b).toMatchObject({ initialized: true, sealed: false, standby: false, performance_standby: false, replication_performance_mode: "disabled", replication_dr_mode: "disabled" });
    expect(Math.abs(b.server_time_utc - Date.now() / 1000)).toBeLessThan(60);
    expect(b.cluster_name).toMatch(/^vault-cluster-[0-9a-f]{8}$/);
  });

  it("HEAD sys/health: the status only; the query overrides as sys_health.go parses them", async () => {
    const head = await raw("HEAD", `${served.url}/v1/sys/health`);
    expect([head.status, head.body]).toEqual([200, ""]);
    expect((await raw("GET", `${served.url}/v1/sys/health?activecode=299`)).status).toBe(299);
    expect((await raw("GET", `${served.url}/v1/sys/health?sealedcode=299&uninitcode=299&standbyok=true`)).status).toBe(200);
    const bad = await raw("GET", `${served.url}/v1/sys/health?activecode=abc`);
    expect([bad.status, bad.body]).toEqual([400, '{"errors":[]}\n']);
    expect((await raw("GET", `${served.url}/v1/sys/health?standbyok=yes`)).status).toBe(400);
  });

  it("sys/seal-status: unsealed with an identity", async () => {
    const r = await raw("GET", `${served.url}/v1/sys/seal-status`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ type: "shamir", initialized: true, sealed: false, t: 1, n: 1, progress: 0, storage_type: "git" });
  });
});

describe("tokens", () => {
  it("no token, a bad token, a token in the query string: 403 with Vault's bodies", async () => {
    const none = await raw("GET", `${served.url}/v1/secret/data/app`);
    expect([none.status, none.body]).toEqual([403, '{"errors":["permission denied"]}\n']);
    const bad = await raw("GET", `${served.url}/v1/secret/data/app`, { "X-Vault-Token": "hvs.nope" });
    expect([bad.status, bad.body]).toEqual([403, '{"errors":["2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n"]}\n']);
    // Vault never reads a token from the query string: the request is unauthenticated.
    const query = await raw("GET", `${served.url}/v1/secret/data/app?token=${token}`);
    expect([query.status, query.body]).toEqual([403, '{"errors":["permission denied"]}\n']);
  });

  it("lookup-self by GET and POST, X-Vault-Token or Authorization: Bearer; empty X-Vault-Namespace accepted", async () => {
    for (const [method, headers] of [
      ["GET", auth()],
      ["POST", { Authorization: `Bearer ${token}`, "X-Vault-Namespace": "" }],
    ] as const) {
      const r = await raw(method, `${served.url}/v1/auth/token/lookup-self`, headers, method === "POST" ? "{}" : undefined);
      expect(r.status).toBe(200);
      const b = JSON.parse(r.body);
      expect(Object.keys(b)).toEqual(ENVELOPE_KEYS);
      expect(b).toMatchObject({ lease_id: "", renewable: false, lease_duration: 0, wrap_info: null, warnings: null, auth: null, mount_type: "token" });
      expect(b.data).toMatchObject({ display_name: "root", policies: ["root"], path: "auth/token/root", ttl: 0, expire_time: null, meta: null, id: token });
      expect(Number.isInteger(b.data.creation_time)).toBe(true);
    }
  });

  it("a token made with `secrets token create` while the server runs is known at once, with its policies", async () => {
    const made = await sb.run(["token", "create", "ci", "--policy", "default"]);
    expect(made.code).toBe(0);
    const ci = made.stdout.trim();
    const r = await raw("GET", `${served.url}/v1/auth/token/lookup-self`, { "X-Vault-Token": ci });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).data).toMatchObject({ display_name: "token-ci", policies: ["default"] });
    // `default` grants the token's own lookups, not the secrets.
    const denied = await raw("GET", `${served.url}/v1/secret/data/app`, { "X-Vault-Token": ci });
    expect(denied.status).toBe(403);
    const revoked = await sb.run(["token", "revoke", "ci"]);
    expect(revoked.code).toBe(0);
    expect((await raw("GET", `${served.url}/v1/auth/token/lookup-self`, { "X-Vault-Token": ci })).status).toBe(403);
  });

  it("node-vault tokenLookupSelf", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    const r = await vault.tokenLookupSelf();
    expect(r.data.policies).toEqual(["root"]);
  });
});

describe("KV version 2 reads", () => {
  it("node-vault: read, ?version=1 after two commits, metadata, health", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    const current = await vault.read("secret/data/app");
    expect(Object.keys(current)).toEqual(ENVELOPE_KEYS);
    expect(current.mount_type).toBe("kv");
    expect(current.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(current.data.data).toEqual({ n: 3, password: VALUES[1] });
    expect(current.data.metadata).toMatchObject({ version: 2, deletion_time: "", destroyed: false, custom_metadata: null });
    const v1 = await vault.read("secret/data/app?version=1");
    expect(v1.data.data.password).toBe(VALUES[0]);
    expect(v1.data.metadata.version).toBe(1);
    const meta = await vault.read("secret/metadata/app");
    expect(meta.data).toMatchObject({ current_version: 2, oldest_version: 0, max_versions: 0, cas_required: false, delete_version_after: "0s" });
    expect(Object.keys(meta.data.versions)).toEqual(["1", "2"]);
    expect((await vault.health()).sealed).toBe(false);
  });

  it("hashi-vault-js: readKVSecret (and a version), readKVSecretMeta, listKVSecrets (LIST), healthCheck", async () => {
    const { default: Vault } = await import("hashi-vault-js");
    // hashi-vault-js declares its answers as Object.
    const vault = new Vault({ https: false, baseUrl: `${served.url}/v1`, timeout: 10_000 }) as unknown as Record<string, (...a: unknown[]) => Promise<any>>;
    expect((await vault.readKVSecret!(token, "app")).data).toEqual({ n: 3, password: VALUES[1] });
    expect((await vault.readKVSecret!(token, "app", 1)).data.password).toBe(VALUES[0]);
    expect((await vault.readKVSecretMeta!(token, "app")).current_version).toBe(2);
    expect((await vault.listKVSecrets!(token)).keys).toEqual(["app", "team/"]);
    expect((await vault.listKVSecrets!(token, "team")).keys).toEqual(["db"]);
    expect((await vault.healthCheck!()).initialized).toBe(true);
  });

  it("node-vault-client: token auth (lookup-self), read, list (LIST)", async () => {
    const VaultClient = require("node-vault-client");
    const client = VaultClient.boot(`serve-test-${Date.now()}`, { api: { url: served.url }, auth: { type: "token", config: { token } } });
    const lease = await client.read("secret/data/team/db");
    expect(lease.getData().data).toEqual({ user: VALUES[2] });
    const list = await client.list("secret/metadata/");
    expect(list.getData().keys).toEqual(["app", "team/"]);
  });

  it("?list= in every spelling Go's ParseBool takes; a trailing slash is the same path", async () => {
    for (const spelling of ["1", "t", "T", "TRUE", "true", "True"]) {
      const r = await raw("GET", `${served.url}/v1/secret/metadata?list=${spelling}`, auth());
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).data.keys).toEqual(["app", "team/"]);
    }
    expect((await raw("GET", `${served.url}/v1/secret/metadata?list=yes`, auth())).status).toBe(400);
    const slash = JSON.parse((await raw("GET", `${served.url}/v1/secret/data/app/`, auth())).body);
    expect(slash.data.data.password).toBe(VALUES[1]);
  });

  it("secret/config", async () => {
    const r = JSON.parse((await raw("GET", `${served.url}/v1/secret/config`, auth())).body);
    expect(r.data).toEqual({ cas_required: false, delete_version_after: "0s", max_versions: 0 });
  });

  it("404 shapes: missing path, missing version, empty LIST, a file the server cannot open, a KV path that is no endpoint, an unknown mount", async () => {
    for (const p of ["secret/data/nope", "secret/data/app?version=9", "secret/metadata/nope", "secret/data/other", "secret/metadata/other"]) {
      const r = await raw("GET", `${served.url}/v1/${p}`, auth());
      expect([p, r.status, r.body, r.headers["content-type"]]).toEqual([p, 404, '{"errors":[]}\n', "application/json"]);
    }
    const empty = await raw("LIST", `${served.url}/v1/secret/metadata/nothing-here/`, auth());
    expect([empty.status, empty.body]).toEqual([404, '{"errors":[]}\n']);
    // other.yaml is encrypted to another key only: not listed.
    expect(JSON.parse((await raw("LIST", `${served.url}/v1/secret/metadata/`, auth())).body).data.keys).not.toContain("other");
    const kvPath = await raw("GET", `${served.url}/v1/secret/app`, auth());
    expect(kvPath.status).toBe(404);
    expect(JSON.parse(kvPath.body)).toMatchObject({ data: null, mount_type: "kv", warnings: [expect.stringContaining("Invalid path for a versioned K/V secrets engine")] });
    const unknown = await raw("GET", `${served.url}/v1/nope/x`, auth());
    expect([unknown.status, unknown.body]).toEqual([404, '{"errors":["no handler for route \\"nope/x\\". route entry not found."]}\n']);
    const node = await require("node-vault")({ endpoint: served.url, token })
      .read("secret/data/nope")
      .catch((e: { response: { statusCode: number } }) => e);
    expect(node.response.statusCode).toBe(404);
  });

  it("bad input: `..` segments, a body over 32 MiB (Vault's 413)", async () => {
    const dots = await raw("GET", `${served.url}/v1/secret/data/team/../app`, auth());
    expect([dots.status, dots.body]).toEqual([400, '{"errors":["path cannot contain parent references"]}\n']);
    // Declared past the cap: answered before any of it is read, then the connection is closed.
    const big = await raw("POST", `${served.url}/v1/auth/token/lookup-self`, { ...auth(), "content-length": String(33554433) });
    expect([big.status, big.body]).toEqual([413, '{"errors":["error parsing JSON"]}\n']);
  });
});

describe("shutdown and the audit log", () => {
  it("SIGTERM exits 0; the log has a request and a response line per request, and holds no value and no token", async () => {
    expect(await served.stop()).toBe(0);
    const log = readFileSync(auditFile, "utf8");
    const lines = log.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === "request").length).toBe(lines.filter((l) => l.type === "response").length);
    expect(lines.find((l) => l.request.path === "secret/data/app" && l.response?.data).response.data.data.password).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    for (const v of [...VALUES, "hunter", token]) expect(log).not.toContain(v);
  });
});
