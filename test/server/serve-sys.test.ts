import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION_DENIED_BODY } from "../../src/auth/policy/index.js";
import type { Sandbox } from "../helpers/cli.js";
import { raw, startAuditedServe, type Served } from "./serve-helpers.js";

/**
 * The system backend's policy, capabilities, audit and leader endpoints through `secrets serve`
 * (dist/cli.js), with node-vault, hashi-vault-js and node:http for exact bytes. Expectations come
 * from vault/logical_system.go (handlePoliciesList/Read/Set/Delete, handleCapabilities,
 * handleAuditTable, handleAuditHash), vault/policy_store.go (SetPolicy, DeletePolicy),
 * vault/capabilities.go, http/handler.go (injectDataIntoTopRoutes: `data` copied to the top level
 * for sys/policy, sys/audit*, sys/capabilities*), http/sys_leader.go, and OpenBao's refusal of
 * API-created audit devices (CVE-2025-6000).
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

const ENVELOPE = ["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"];
const POLICY = 'path "secret/data/deploy/*" {\n  capabilities = ["read", "list"]\n}\n';

const send = (method: string, path: string, body?: unknown, tok: string | null = token) =>
  raw(method, `${served.url}/v1/${path}`, { ...(tok ? { "X-Vault-Token": tok } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) }, body === undefined ? undefined : JSON.stringify(body));
const lastCommit = () => sb.git("log", "-1", "--format=%an <%ae>%n%s").trim().split("\n");
const commitCount = () => Number(sb.git("rev-list", "--count", "HEAD").trim());

describe("sys/policy and sys/policies/acl", () => {
  it("node-vault: addPolicy writes .secrets/policies/<name>.hcl in one commit by the token; getPolicy, policies, removePolicy", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    const before = commitCount();
    await vault.addPolicy({ name: "Deploy", rules: POLICY });
    expect(commitCount()).toBe(before + 1);
    expect(lastCommit()).toEqual(["root <root@secrets-serve>", "write policy deploy"]);
    expect(readFileSync(sb.path(".secrets/policies/deploy.hcl"), "utf8")).toBe(POLICY);
    expect(sb.git("status", "--porcelain").trim()).toBe("");

    const got = await vault.getPolicy({ name: "deploy" });
    // The legacy route copies `data` to the top level, before the envelope's fields.
    expect(Object.keys(got)).toEqual(["name", "rules", ...ENVELOPE]);
    expect(got.data).toEqual({ name: "deploy", rules: POLICY });
    expect([got.name, got.rules, got.mount_type]).toEqual(["deploy", POLICY, "system"]);

    const listed = await vault.policies();
    expect(listed.policies).toEqual(["default", "deploy", "root"]);
    expect(listed.keys).toEqual(["default", "deploy", "root"]);
    expect(listed.data).toEqual({ keys: ["default", "deploy", "root"], policies: ["default", "deploy", "root"] });

    await vault.removePolicy({ name: "deploy" });
    expect(lastCommit()).toEqual(["root <root@secrets-serve>", "delete policy deploy"]);
    expect(sb.git("ls-files", ".secrets/policies").trim()).toBe("");
    await expect(vault.getPolicy({ name: "deploy" })).rejects.toMatchObject({ response: { statusCode: 404 } });
  });

  it("exact bytes: the legacy list with its top-level copy; sys/policies/acl without it, LIST only; the built-in default and root", async () => {
    const list = await send("GET", "sys/policy");
    expect(list.status).toBe(200);
    expect(list.headers["content-type"]).toBe("application/json");
    expect(list.body).toMatch(/^\{"keys":\["default","root"\],"policies":\["default","root"\],"request_id":"[0-9a-f-]{36}","lease_id":"","renewable":false,"lease_duration":0,"data":\{"keys":\["default","root"\],"policies":\["default","root"\]\},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"system"\}\n$/);
    expect((await send("LIST", "sys/policy")).body).toContain('"data":{"keys":["default","root"],"policies":["default","root"]}');
    const acl = await send("LIST", "sys/policies/acl");
    expect(acl.body).toMatch(/^\{"request_id":"[0-9a-f-]{36}","lease_id":"","renewable":false,"lease_duration":0,"data":\{"keys":\["default","root"\]\},"wrap_info":null,/);
    expect(await send("GET", "sys/policies/acl")).toMatchObject({ status: 405, body: '{"errors":["1 error occurred:\\n\\t* unsupported operation\\n\\n"]}\n' });
    const root = JSON.parse((await send("GET", "sys/policies/acl/root")).body);
    expect(root.data).toEqual({ name: "root", policy: "" });
    const def = JSON.parse((await send("GET", "sys/policy/default")).body);
    expect(def.data.rules).toContain('path "auth/token/lookup-self" {');
    expect(await send("GET", "sys/policy/nope")).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
  });

  it("Vault's refusals, each a 400 with the message as it is, and nothing committed", async () => {
    const before = commitCount();
    const cases: Array<[string, string, unknown, string]> = [
      ["PUT", "sys/policy/root", { policy: POLICY }, 'cannot update "root" policy'],
      ["DELETE", "sys/policy/root", undefined, 'cannot delete "root" policy'],
      ["DELETE", "sys/policies/acl/default", undefined, "cannot delete default policy"],
      ["PUT", "sys/policies/acl/x", {}, "'policy' parameter not supplied or empty"],
      // `rules` is read on the legacy path only.
      ["PUT", "sys/policies/acl/x", { rules: POLICY }, "'policy' parameter not supplied or empty"],
      ["PUT", "sys/policy/x", { policy: 'path "a" { capabilities = ["fly"] }' }, 'failed to parse policy: path "a": invalid capability "fly"'],
      ["PUT", "sys/policy/x", { policy: { not: "a string" } }, 'error converting input for field "policy"'],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await send(method, path, body);
      expect([path, r.status, r.body]).toEqual([path, 400, `${JSON.stringify({ errors: [message] })}\n`]);
    }
    const named = await send("PUT", "sys/policy/a%2Fb", { policy: POLICY });
    expect(named.status).toBe(400);
    expect(JSON.parse(named.body).errors[0]).toMatch(/^policy name "a\/b" cannot be stored: a policy is the file \.secrets\/policies\/NAME\.hcl/);
    expect(commitCount()).toBe(before);
  });

  it("a base64 policy is stored decoded; `rules` on the legacy path answers 200 with Vault's deprecation warning; deleting a missing policy is 204", async () => {
    expect((await send("PUT", "sys/policies/acl/b64", { policy: Buffer.from(POLICY).toString("base64") })).status).toBe(204);
    expect(readFileSync(sb.path(".secrets/policies/b64.hcl"), "utf8")).toBe(POLICY);
    const warned = await send("POST", "sys/policy/legacy", { rules: POLICY });
    expect(warned.status).toBe(200);
    const body = JSON.parse(warned.body);
    expect(Object.keys(body)).toEqual(ENVELOPE);
    expect([body.data, body.warnings]).toEqual([null, ["'rules' is deprecated, please use 'policy' instead"]]);
    const before = commitCount();
    expect((await send("DELETE", "sys/policy/never-was")).status).toBe(204);
    expect(commitCount()).toBe(before);
    // Writing the same text again changes no file: no commit.
    expect((await send("PUT", "sys/policy/legacy", { policy: POLICY })).status).toBe(204);
    expect(commitCount()).toBe(before);
  });
});

describe("sys/capabilities-self, sys/capabilities", () => {
  it("hashi-vault-js: capabilities of the root token (`root`), and of a repository token, per path and sorted, with `capabilities` for one path", async () => {
    writeFile(".secrets/policies/caps.hcl", 'path "secret/data/caps/*" {\n  capabilities = ["update", "read", "create"]\n}\npath "secret/data/caps/locked" {\n  capabilities = ["deny"]\n}\n');
    const capsToken = (await sb.ok(["token", "create", "caps", "--policy", "caps"])).trim();
    const { default: Vault } = await import("hashi-vault-js");
    // hashi-vault-js declares its answers as Object.
    const vault = new Vault({ baseUrl: `${served.url}/v1`, timeout: 5000 }) as unknown as Record<string, (...a: unknown[]) => Promise<Record<string, unknown>>>;
    expect(await vault.sysCapabilitiesSelf!(token, ["secret/data/x", "sys/policy"])).toEqual({ "secret/data/x": ["root"], "sys/policy": ["root"] });
    expect(await vault.sysCapabilitiesSelf!(capsToken, ["secret/data/caps/a", "secret/data/caps/locked", "secret/data/other"])).toEqual({
      "secret/data/caps/a": ["create", "read", "update"],
      "secret/data/caps/locked": ["deny"],
      "secret/data/other": ["deny"],
    });
    expect(await vault.sysCapabilities!(token, capsToken, ["secret/data/caps/a"])).toEqual({ capabilities: ["create", "read", "update"], "secret/data/caps/a": ["create", "read", "update"] });

    const one = await send("POST", "sys/capabilities-self", { path: "secret/data/caps/a" }, capsToken);
    expect(one.body).toMatch(/^\{"capabilities":\["create","read","update"\],"secret\/data\/caps\/a":\["create","read","update"\],"request_id":/);
    const accessor = JSON.parse((await send("GET", "auth/token/lookup-self", undefined, capsToken)).body).data.accessor as string;
    const byAccessor = await send("POST", "sys/capabilities-accessor", { accessor, paths: "secret/data/caps/a, secret/data/other" });
    expect(JSON.parse(byAccessor.body).data).toEqual({ "secret/data/caps/a": ["create", "read", "update"], "secret/data/other": ["deny"] });
  });

  it("Vault's errors: no paths, an empty path, no token, an unknown token or accessor", async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ["sys/capabilities-self", {}, 400, "paths must be supplied"],
      ["sys/capabilities-self", { paths: ["a", ""] }, 400, "1 error occurred:\n\t* missing path\n\n"],
      ["sys/capabilities", { paths: ["a"] }, 500, "1 error occurred:\n\t* no token found\n\n"],
      ["sys/capabilities", { token: "hvs.unknown", paths: ["a"] }, 400, "1 error occurred:\n\t* invalid token\n\n"],
      ["sys/capabilities-accessor", { paths: ["a"] }, 400, "missing accessor"],
      ["sys/capabilities-accessor", { accessor: "nope", paths: ["a"] }, 400, "1 error occurred:\n\t* invalid accessor\n\n"],
    ];
    for (const [path, body, status, message] of cases) {
      const r = await send("POST", path, body);
      expect([path, r.status, r.body]).toEqual([path, status, `${JSON.stringify({ errors: [message] })}\n`]);
    }
    expect((await send("GET", "sys/capabilities-self")).status).toBe(405);
  });
});

describe("sys/audit, sys/audit-hash", () => {
  it("lists the declared device as Vault lists a file device; creating or removing one through the API is refused (OpenBao's words)", async () => {
    const listed = await send("GET", "sys/audit");
    const device = { description: "", local: false, options: { file_path: auditFile }, path: "file/", type: "file" };
    expect(listed.body).toMatch(/^\{"file\/":\{"description":"","local":false,"options":\{"file_path":"[^"]+"\},"path":"file\/","type":"file"\},"request_id":/);
    expect(JSON.parse(listed.body).data).toEqual({ "file/": device });
    expect(await send("PUT", "sys/audit/other", { type: "file", options: { file_path: "/tmp/x" } })).toMatchObject({
      status: 400,
      body: '{"errors":["cannot enable audit device via API; use declarative, config-based audit device management instead"]}\n',
    });
    expect(await send("DELETE", "sys/audit/file")).toMatchObject({ status: 400, body: '{"errors":["cannot disable configuration-managed audit device"]}\n' });
    expect((await send("DELETE", "sys/audit/other")).status).toBe(204);
  });

  it("audit-hash of the root token is the HMAC every audit line shows for it; unknown device and empty input are Vault's 400s", async () => {
    const r = await send("POST", "sys/audit-hash/file", { input: token });
    expect(r.status).toBe(200);
    const hash = JSON.parse(r.body).hash as string;
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(r.body).data).toEqual({ hash });
    const lines = readFileSync(auditFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { auth?: { client_token?: string } });
    expect(lines.filter((l) => l.auth?.client_token === hash).length).toBeGreaterThan(0);
    expect(readFileSync(auditFile, "utf8")).not.toContain(token);
    expect(await send("POST", "sys/audit-hash/nope", { input: "x" })).toMatchObject({ status: 400, body: '{"errors":["unknown audit backend \\"nope/\\""]}\n' });
    expect(await send("POST", "sys/audit-hash/file", { input: "" })).toMatchObject({ status: 400, body: '{"errors":["the \\"input\\" parameter is empty"]}\n' });
  });
});

describe("sys/leader", () => {
  it("answers without a token as a Vault node without HA does; GET only", async () => {
    const r = await send("GET", "sys/leader", undefined, null);
    expect([r.status, r.headers["content-type"], r.body]).toEqual([
      200,
      "application/json",
      '{"ha_enabled":false,"is_self":false,"active_time":"0001-01-01T00:00:00Z","leader_address":"","leader_cluster_address":"","performance_standby":false,"performance_standby_last_remote_wal":0}\n',
    ]);
    expect(await send("POST", "sys/leader", {}, null)).toMatchObject({ status: 405, body: '{"errors":[]}\n' });
  });
});

describe("who may", () => {
  it("a token with only `read` on sys/policy/* may read but not write; `update` on its own policy path writes, as its author; sys/audit needs `sudo`", async () => {
    writeFile(".secrets/policies/policy-reader.hcl", 'path "sys/policy/*" {\n  capabilities = ["read"]\n}\n');
    writeFile(".secrets/policies/policy-writer.hcl", 'path "sys/policy/team-*" {\n  capabilities = ["update"]\n}\n');
    writeFile(".secrets/policies/auditor.hcl", 'path "sys/audit" {\n  capabilities = ["read"]\n}\n');
    writeFile(".secrets/policies/auditor-sudo.hcl", 'path "sys/audit" {\n  capabilities = ["read", "sudo"]\n}\npath "sys/audit/*" {\n  capabilities = ["update", "sudo"]\n}\n');
    const make = async (name: string) => (await sb.ok(["token", "create", name, "--policy", name])).trim();
    const [reader, writer, auditor, auditorSudo] = await Promise.all(["policy-reader", "policy-writer", "auditor", "auditor-sudo"].map(make));

    expect((await send("GET", "sys/policy/default", undefined, reader)).status).toBe(200);
    expect(await send("PUT", "sys/policy/team-a", { policy: POLICY }, reader)).toMatchObject({ status: 403, body: PERMISSION_DENIED_BODY });
    expect(await send("PUT", "sys/policy/other", { policy: POLICY }, writer)).toMatchObject({ status: 403, body: PERMISSION_DENIED_BODY });
    expect((await send("PUT", "sys/policy/team-a", { policy: POLICY }, writer)).status).toBe(204);
    expect(lastCommit()).toEqual(["token-policy-writer <token-policy-writer@secrets-serve>", "write policy team-a"]);
    expect(await send("DELETE", "sys/policy/team-a", undefined, writer)).toMatchObject({ status: 403, body: PERMISSION_DENIED_BODY });

    // `audit` and `audit/*` are root paths of the system backend: the matching rule must grant sudo.
    expect(await send("GET", "sys/audit", undefined, auditor)).toMatchObject({ status: 403, body: PERMISSION_DENIED_BODY });
    expect((await send("GET", "sys/audit", undefined, auditorSudo)).status).toBe(200);
    expect((await send("PUT", "sys/audit/x", { type: "file" }, auditorSudo)).status).toBe(400);
    // audit-hash is not a root path, but needs `update` on it like any path.
    expect(await send("POST", "sys/audit-hash/file", { input: "x" }, auditorSudo)).toMatchObject({ status: 403, body: PERMISSION_DENIED_BODY });
  });
});

function writeFile(rel: string, text: string): void {
  mkdirSync(dirname(sb.path(rel)), { recursive: true });
  writeFileSync(sb.path(rel), text);
}
