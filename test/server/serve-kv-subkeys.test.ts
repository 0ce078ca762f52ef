import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { raw, startAuditedServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * KV version 2 `subkeys/`, metadata `PATCH` and `config` writes through `secrets serve`, against
 * vault-plugin-secrets-kv path_subkeys.go (removeValues, the `depth` and `version` parameters, 404
 * with the metadata for a deleted version) and path_metadata.go pathMetadataPatch (a merge patch
 * of an existing key's settings; a bare 404 otherwise).
 */
const require = createRequire(import.meta.url);
let sb: Sandbox;
let served: Served;
let token: string;
let auditFile: string;

beforeAll(async () => {
  ({ sb, served, token, auditFile } = await startAuditedServe());
}, 60_000);
afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const headers = (extra: Record<string, string> = {}) => ({ "X-Vault-Token": token, ...extra });
const get = (path: string) => raw("GET", `${served.url}/v1/${path}`, headers());
const patch = (path: string, body: unknown, type = "application/merge-patch+json") => raw("PATCH", `${served.url}/v1/${path}`, headers({ "Content-Type": type }), JSON.stringify(body));

describe("GET secret/subkeys/<path>", () => {
  it("answers the structure with every leaf null, nested maps walked, and the version's metadata (node-vault's generic read)", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    await vault.write("secret/data/nested", { data: { db: { user: "u-secret-1", pass: { v: "p-secret-2" } }, list: ["l-secret-3"], empty: {}, n: 7 } });
    const r = await vault.read("secret/subkeys/nested");
    expect(r.data.subkeys).toEqual({ db: { pass: { v: null }, user: null }, empty: null, list: null, n: null });
    expect(Object.keys(r.data)).toEqual(["metadata", "subkeys"]);
    expect(Object.keys(r.data.metadata)).toEqual(["created_time", "custom_metadata", "deletion_time", "destroyed", "version"]);
    expect(r.data.metadata.version).toBe(1);
    expect(JSON.stringify(r)).not.toMatch(/secret-\d/);
  });

  it("stops at `depth`, reads `version`, and refuses a depth that is no integer", async () => {
    const shallow = JSON.parse((await get("secret/subkeys/nested?depth=1")).body);
    expect(shallow.data.subkeys).toEqual({ db: null, empty: null, list: null, n: null });
    const two = JSON.parse((await get("secret/subkeys/nested?depth=2")).body);
    expect(two.data.subkeys.db).toEqual({ pass: null, user: null });
    const v1 = JSON.parse((await get("secret/subkeys/app?version=1")).body);
    expect(v1.data).toMatchObject({ subkeys: { n: null, password: null }, metadata: { version: 1 } });
    const bad = await get("secret/subkeys/nested?depth=x");
    expect([bad.status, bad.body]).toEqual([400, '{"errors":["error converting input x for field \\"depth\\""]}\n']);
  });

  it("a missing key or version is a bare 404; a deleted version 404 with subkeys null and its deletion time", async () => {
    expect(await get("secret/subkeys/absent")).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
    expect(await get("secret/subkeys/app?version=9")).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
    const del = await raw("DELETE", `${served.url}/v1/secret/data/nested`, headers());
    expect(del.status).toBe(204);
    const r = await get("secret/subkeys/nested");
    expect(r.status).toBe(404);
    const body = JSON.parse(r.body);
    expect(body.data.subkeys).toBeNull();
    expect(body.data.metadata.deletion_time).not.toBe("");
  });

  it("never puts a value in the audit log", () => {
    const log = readFileSync(auditFile, "utf8");
    for (const v of [...VALUES, "u-secret-1", "p-secret-2", "l-secret-3"]) expect(log).not.toContain(v);
  });
});

describe("PATCH secret/metadata/<path>", () => {
  it("merges custom_metadata (null removes a key), keeps what is not named, commits once", async () => {
    const w = await raw("POST", `${served.url}/v1/secret/metadata/app`, headers({ "Content-Type": "application/json" }), JSON.stringify({ max_versions: 5, custom_metadata: { owner: "team-a", tier: "1" } }));
    expect(w.status).toBe(204);
    const before = Number(sb.git("rev-list", "--count", "HEAD").trim());
    const p = await patch("secret/metadata/app", { custom_metadata: { tier: null, on_call: "bob" } });
    expect([p.status, p.body]).toEqual([204, ""]);
    expect(Number(sb.git("rev-list", "--count", "HEAD").trim())).toBe(before + 1);
    expect(sb.git("log", "-1", "--format=%s").trim()).toBe("patch metadata of secret/app");
    const m = JSON.parse((await get("secret/metadata/app")).body).data;
    expect(m.custom_metadata).toEqual({ on_call: "bob", owner: "team-a" });
    expect(m.max_versions).toBe(5);
  });

  it("a key that does not exist: a bare 404 and no commit; a bad value: Vault's validation error; the wrong Content-Type: 415", async () => {
    const head = sb.git("rev-parse", "HEAD").trim();
    const missing = await patch("secret/metadata/never-written", { max_versions: 2 });
    expect([missing.status, missing.body]).toEqual([404, ""]);
    const bad = await patch("secret/metadata/app", { custom_metadata: { k: "x".repeat(513) } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).errors[0]).toBe('1 error occurred:\n\t* custom_metadata validation failed: length of value for key "k" is 513 but must be 0 < len(value) <= 512\n\n');
    const wrongType = await patch("secret/metadata/app", { max_versions: 2 }, "application/json");
    expect(wrongType.status).toBe(415);
    expect(sb.git("rev-parse", "HEAD").trim()).toBe(head);
  });
});

describe("POST secret/config (pathConfigWrite)", () => {
  it("sets the mount's cas_required and max_versions in one commit; then a write without cas is refused", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    await vault.write("secret/config", { cas_required: true, max_versions: 7 });
    expect(sb.git("log", "-1", "--format=%an|%s", "--name-only").trim()).toBe("root|write config of secret/\n\nsecrets/.kv-metadata.yaml");
    const cfg = await vault.read("secret/config");
    expect(cfg.data).toEqual({ cas_required: true, delete_version_after: "0s", max_versions: 7 });
    await expect(vault.write("secret/data/needs-cas", { data: { a: "b" } })).rejects.toThrow("check-and-set parameter required for this call");
    // A body naming none of the fields changes nothing (Vault's fast path); a bad value is a 400.
    const head = sb.git("rev-parse", "HEAD").trim();
    await vault.write("secret/config", { unrelated: 1 });
    const bad = await raw("POST", `${served.url}/v1/secret/config`, headers({ "Content-Type": "application/json" }), JSON.stringify({ delete_version_after: "1h" }));
    expect(bad.status).toBe(400);
    expect(sb.git("rev-parse", "HEAD").trim()).toBe(head);
    await vault.write("secret/config", { cas_required: false });
    expect((await vault.read("secret/config")).data).toMatchObject({ cas_required: false, max_versions: 7 });
  });
});
