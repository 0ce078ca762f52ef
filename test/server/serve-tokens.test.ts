import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The token API and the cubbyhole through `secrets serve` (dist/cli.js), with node-vault,
 * hashi-vault-js, node-vault-client and node:http. Expected bodies and strings are Vault's, from
 * internal/vault/token_store.go, expiration.go, logical_cubbyhole.go and
 * sdk/logical/translate_response.go (the `auth` block).
 *
 * Repository policies: `creator` may create children (and orphans by create-orphan), look
 * tokens up and call revoke-orphan (which still wants sudo); `ops` has sudo on auth/token/create (other policies, no_parent); `lister` may list
 * accessors but has no sudo (the path is root-protected).
 */

const require = createRequire(import.meta.url);
type NodeVault = Record<string, (args?: unknown) => Promise<Record<string, any>>> & { token: string };
const nodeVault = (endpoint: string, token: string): NodeVault => require("node-vault")({ endpoint, token }) as NodeVault;

let sb: Sandbox;
let served: Served;
let root: string;
let auditFile: string;
let stateDir: string;
/** Every token issued during the run: none may appear in the audit log. */
const issued: string[] = [];

const POLICIES: Record<string, string> = {
  creator: `path "auth/token/create" { capabilities = ["update"] }\npath "auth/token/create-orphan" { capabilities = ["update"] }\npath "auth/token/lookup" { capabilities = ["update"] }\npath "auth/token/revoke-orphan" { capabilities = ["update"] }\n`,
  ops: `path "auth/token/create" { capabilities = ["update", "sudo"] }\n`,
  lister: `path "auth/token/accessors" { capabilities = ["list"] }\n`,
  other: `path "secret/data/*" { capabilities = ["read"] }\n`,
};

async function repositoryToken(name: string, policy: string): Promise<string> {
  const t = (await sb.ok(["token", "create", name, "--policy", policy, "--commit"])).trim();
  issued.push(t);
  return t;
}

const url = (p: string): string => `${served.url}/v1/${p}`;
const as = (token: string) => ({ "X-Vault-Token": token });

/** POST with a JSON body; the parsed body (null for none) and the status. */
async function post(token: string, p: string, body: unknown = {}): Promise<{ status: number; body: any; text: string }> {
  const r = await raw("POST", url(p), as(token), JSON.stringify(body));
  return { status: r.status, body: r.body ? JSON.parse(r.body) : null, text: r.body };
}

/** A child of `parent` (raw create), recorded as issued. */
async function child(parent: string, body: Record<string, unknown> = {}): Promise<{ token: string; accessor: string; auth: any }> {
  const r = await post(parent, "auth/token/create", body);
  expect(r.status, r.text).toBe(200);
  issued.push(r.body.auth.client_token);
  return { token: r.body.auth.client_token, accessor: r.body.auth.accessor, auth: r.body.auth };
}

const lookupSelf = (token: string) => raw("GET", url("auth/token/lookup-self"), as(token));

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  for (const [name, text] of Object.entries(POLICIES)) writeFileSync(sb.path(`.secrets/policies/${name}.hcl`), text);
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "policies");
  auditFile = join(sb.dir, "audit.log");
  stateDir = sb.path(".git", "secrets-server");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
  issued.push(root);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const AUTH_KEYS = ["client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type", "orphan", "mfa_requirement", "num_uses"];

describe("auth/token/create", () => {
  it("node-vault tokenCreate: Vault's envelope with the auth block, field for field; data null", async () => {
    const vault = nodeVault(served.url, root);
    const r = await vault.tokenCreate!({ policies: ["default"], ttl: "1h", meta: { team: "a", env: "b" }, display_name: "web app" });
    issued.push(r.auth.client_token);
    expect(Object.keys(r)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(Object.keys(r.auth)).toEqual(AUTH_KEYS);
    expect(r).toMatchObject({ data: null, warnings: null, mount_type: "token", lease_id: "", renewable: false, lease_duration: 0 });
    expect(r.auth).toMatchObject({ policies: ["default"], token_policies: ["default"], metadata: { env: "b", team: "a" }, lease_duration: 3600, renewable: true, entity_id: "", token_type: "service", orphan: false, mfa_requirement: null, num_uses: 0 });
    expect(r.auth.client_token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(r.auth.accessor).toMatch(/^[0-9A-Za-z]{24}$/);
    // node-vault switches to a token a response carries (tokenSource); the child looks itself up.
    expect(vault.token).toBe(r.auth.client_token);
    const self = await vault.tokenLookupSelf!();
    expect(self.data).toMatchObject({ display_name: "token-web-app", policies: ["default"], meta: { env: "b", team: "a" }, orphan: false, path: "auth/token/create", creation_ttl: 3600, renewable: true, type: "service", id: r.auth.client_token });
    expect(Number.isInteger(self.data.creation_time) && Number.isInteger(self.data.ttl)).toBe(true);
    expect(self.data.ttl).toBeGreaterThan(3500);
  });

  it("exact bytes: the auth block's order, metadata keys sorted, warnings for a missing policy and an unknown field", async () => {
    const r = await raw("POST", url("auth/token/create"), as(root), JSON.stringify({ policies: ["nosuch"], meta: { z: "1", a: "2" }, bogus: 1 }));
    expect(r.status).toBe(200);
    const token = (JSON.parse(r.body) as { auth: { client_token: string; accessor: string } }).auth;
    issued.push(token.client_token);
    expect(r.body).toBe(
      `{"request_id":"${JSON.parse(r.body).request_id}","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,` +
        `"warnings":["Policy \\"nosuch\\" does not exist","Endpoint ignored these unrecognized parameters: [bogus]"],` +
        `"auth":{"client_token":"${token.client_token}","accessor":"${token.accessor}","policies":["default","nosuch"],"token_policies":["default","nosuch"],` +
        `"metadata":{"a":"2","z":"1"},"lease_duration":2764800,"renewable":true,"entity_id":"","token_type":"service","orphan":false,"mfa_requirement":null,"num_uses":0},"mount_type":"token"}\n`,
    );
  });

  it("child policies must be a subset of the parent's without sudo; no_parent needs sudo; with sudo both are allowed", async () => {
    const creator = await repositoryToken("creator", "creator");
    const subset = await post(creator, "auth/token/create", { policies: ["other"] });
    expect([subset.status, subset.text]).toEqual([400, '{"errors":["child policies must be subset of parent"]}\n']);
    const orphan = await post(creator, "auth/token/create", { no_parent: true });
    expect([orphan.status, orphan.text]).toEqual([400, '{"errors":["root or sudo privileges required to create orphan token"]}\n']);
    const rootChild = await post(creator, "auth/token/create", { policies: ["root"] });
    expect(rootChild.status).toBe(400);
    // No policies: the parent's.
    const inherited = await child(creator);
    expect(inherited.auth.policies).toEqual(["creator", "default"]);
    // create-orphan is ACL'd by its own path: no sudo needed.
    const viaPath = await post(creator, "auth/token/create-orphan", { policies: ["creator"] });
    expect(viaPath.status).toBe(200);
    issued.push(viaPath.body.auth.client_token);
    expect(viaPath.body.auth.orphan).toBe(true);
    expect(JSON.parse((await lookupSelf(viaPath.body.auth.client_token)).body).data).toMatchObject({ orphan: true, path: "auth/token/create-orphan" });

    const ops = await repositoryToken("ops", "ops");
    const wider = await child(ops, { policies: ["other"], no_parent: true });
    expect(wider.auth).toMatchObject({ policies: ["default", "other"], orphan: true });
  });

  it("a TTL past explicit_max_ttl is cut, with CalculateTTL's warning; batch and use-limited tokens are refused", async () => {
    const r = await post(root, "auth/token/create", { ttl: "2h", explicit_max_ttl: "1h" });
    expect(r.status).toBe(200);
    issued.push(r.body.auth.client_token);
    expect(r.body.auth.lease_duration).toBe(3600);
    expect(r.body.warnings).toEqual(['TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly']);
    expect((await post(root, "auth/token/create", { type: "batch" })).status).toBe(400);
    expect((await post(root, "auth/token/create", { num_uses: 3 })).status).toBe(400);
    const bad = await post(root, "auth/token/create", { renewable: { no: 1 } });
    expect([bad.status, bad.body.errors[0]]).toEqual([400, 'Field validation failed: error converting input for field "renewable": expected a bool']);
    expect((await post(root, "auth/token/create/some-role", {})).text).toBe('{"errors":["unknown role some-role"]}\n');
  });
});

describe("lookup, renew, revoke", () => {
  it("node-vault: tokenLookup, tokenLookupAccessor (id blanked), tokenRenew, tokenRenewSelf, tokenRevoke, tokenRevokeSelf", async () => {
    const a = await child(root, { policies: ["default"], ttl: "10m" });
    const vault = nodeVault(served.url, root);
    const looked = await vault.tokenLookup!({ token: a.token });
    expect(looked.data).toMatchObject({ id: a.token, accessor: a.accessor, ttl: expect.any(Number), creation_ttl: 600 });
    const byAccessor = await vault.tokenLookupAccessor!({ accessor: a.accessor });
    expect(byAccessor.data).toMatchObject({ id: "", accessor: a.accessor });

    const renewed = await vault.tokenRenew!({ token: a.token, increment: "1h" });
    expect(renewed.auth).toMatchObject({ client_token: a.token, accessor: a.accessor, lease_duration: 3600, renewable: true });
    vault.token = root;
    const self = nodeVault(served.url, a.token);
    const again = await self.tokenRenewSelf!();
    // No increment: the last TTL given (Vault's RenewToken: the lease's TTL).
    expect(again.auth.lease_duration).toBe(3600);
    const after = JSON.parse((await lookupSelf(a.token)).body).data;
    expect(Number.isInteger(after.last_renewal_time)).toBe(true);
    expect(after.creation_ttl).toBe(600);

    await vault.tokenRevoke!({ token: a.token });
    expect((await lookupSelf(a.token)).status).toBe(403);
    // Revoking a token that is gone: 204 all the same.
    expect((await raw("POST", url("auth/token/revoke"), as(root), JSON.stringify({ token: a.token }))).status).toBe(204);

    const b = await child(root, { policies: ["default"] });
    await nodeVault(served.url, b.token).tokenRevokeSelf!();
    expect((await lookupSelf(b.token)).status).toBe(403);
  });

  it("Vault's errors: bad token (403), missing and invalid accessors, missing token ID, a non-renewable token", async () => {
    expect((await post(root, "auth/token/lookup", { token: "hvs.nope" })).text).toBe('{"errors":["bad token"]}\n');
    expect((await post(root, "auth/token/lookup", { token: "hvs.nope" })).status).toBe(403);
    expect((await post(root, "auth/token/lookup-accessor", {})).text).toBe('{"errors":["1 error occurred:\\n\\t* missing accessor\\n\\n"]}\n');
    expect((await post(root, "auth/token/lookup-accessor", { accessor: "nope" })).text).toBe('{"errors":["1 error occurred:\\n\\t* invalid accessor\\n\\n"]}\n');
    expect((await post(root, "auth/token/renew", {})).text).toBe('{"errors":["missing token ID"]}\n');
    expect((await post(root, "auth/token/renew", { token: "hvs.nope" })).text).toBe('{"errors":["token not found"]}\n');
    const fixed = await child(root, { policies: ["default"], renewable: false });
    const r = await post(fixed.token, "auth/token/renew-self", { increment: null });
    expect([r.status, r.text]).toEqual([400, '{"errors":["lease is not renewable"]}\n']);
    // The root token has no lease, as Vault's initial root token.
    expect((await post(root, "auth/token/renew-self", {})).text).toBe('{"errors":["invalid lease ID"]}\n');
    const gone = await post(root, "auth/token/revoke-accessor", { accessor: "nope" });
    expect([gone.status, gone.body.warnings, gone.body.data]).toEqual([200, ["No token found with this accessor"], null]);
    expect((await raw("GET", url("auth/token/lookup/abc"), as(root))).status).toBe(404);
    expect((await raw("GET", url("auth/token/renew-self"), as(root))).status).toBe(405);
  });

  it("GET lookup?token= looks another token up (a read's data is its query)", async () => {
    const a = await child(root, { policies: ["default"] });
    const r = await raw("GET", url(`auth/token/lookup?token=${a.token}`), as(root));
    expect([r.status, JSON.parse(r.body).data.accessor]).toEqual([200, a.accessor]);
    // The default policy does not grant looking up another token.
    expect((await post(a.token, "auth/token/lookup", { token: root })).status).toBe(403);
  });

  it("hashi-vault-js: createToken, lookupSelfToken, renewSelfToken, lookupAccessor, renewAccessor (no token in auth), revokeAccessor, listAccessors, revokeSelfToken", async () => {
    const { default: Vault } = await import("hashi-vault-js");
    type Hv = Record<string, (...args: unknown[]) => Promise<Record<string, any>>>;
    const hv = new Vault({ https: false, baseUrl: `${served.url}/v1`, timeout: 10_000 }) as unknown as Hv;
    const made = await hv.createToken!(root, { policies: ["default"], ttl: "30m" });
    const t = made.client_token as string;
    issued.push(t);
    expect(made).toMatchObject({ policies: ["default"], lease_duration: 1800, renewable: true, orphan: false });
    expect((await hv.lookupSelfToken!(t)).policies).toEqual(["default"]);
    expect((await hv.renewSelfToken!(t, "45m")).lease_duration).toBe(2700);
    expect((await hv.lookupAccessor!(root, made.accessor)).id).toBe("");
    const byAccessor = await hv.renewAccessor!(root, made.accessor, "20m");
    expect([byAccessor.client_token, byAccessor.lease_duration]).toEqual(["", 1200]);
    expect((await hv.listAccessors!(root)).keys).toContain(made.accessor);
    await hv.revokeAccessor!(root, made.accessor);
    expect((await lookupSelf(t)).status).toBe(403);
    const other = (await hv.createToken!(root, { policies: ["default"] })).client_token as string;
    issued.push(other);
    await hv.revokeSelfToken!(other);
    expect((await lookupSelf(other)).status).toBe(403);
  });

  it("node-vault-client: the token's expiry from creation_time (then last_renewal_time) + ttl - 60", async () => {
    const VaultClient = require("node-vault-client");
    const a = await child(root, { policies: ["default"], ttl: "1h" });
    const expiry = async (name: string): Promise<{ at: number; data: any }> => {
      const client = VaultClient.boot(name, { api: { url: served.url }, auth: { type: "token", config: { token: a.token } }, logger: false });
      const authToken = await client.__auth.getAuthToken();
      // A renewable token gets a refresh timer at half its life: stopped, so the run ends.
      require("long-timeout").clearTimeout(client.__auth.__refreshTimeout);
      VaultClient.clear(name);
      return { at: authToken.getExpiresAt(), data: JSON.parse((await lookupSelf(a.token)).body).data };
    };
    const first = await expiry(`tokens-${Date.now()}-a`);
    expect(first.at - (first.data.creation_time + first.data.ttl - 60)).toBeGreaterThanOrEqual(0);
    expect(first.at - (first.data.creation_time + first.data.ttl - 60)).toBeLessThanOrEqual(2);
    expect(first.at).toBeGreaterThan(Date.now() / 1000 + 3000);
    await post(root, "auth/token/renew", { token: a.token, increment: "2h" });
    const second = await expiry(`tokens-${Date.now()}-b`);
    expect(second.data.last_renewal_time).toBeGreaterThanOrEqual(first.data.creation_time);
    expect(second.at - (second.data.last_renewal_time + second.data.ttl - 60)).toBeLessThanOrEqual(2);
    expect(second.at).toBeGreaterThan(Date.now() / 1000 + 6000);
  });

  it("LIST accessors needs sudo (root-protected): root lists every live token, a token with only `list` is denied", async () => {
    const a = await child(root, { policies: ["default"] });
    const listed = await raw("LIST", url("auth/token/accessors"), as(root));
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body).data.keys).toContain(a.accessor);
    const lister = await child(root, { policies: ["lister"] });
    expect((await raw("LIST", url("auth/token/accessors"), as(lister.token))).status).toBe(403);
  });
});

describe("parents and children", () => {
  it("a child dies with its parent, and its children with it; revoke-orphan keeps the children, as orphans", async () => {
    const a = await child(root, { policies: ["creator"] });
    const b = await child(a.token, {});
    const c = await child(b.token, {});
    expect((await post(root, "auth/token/revoke", { token: a.token })).status).toBe(204);
    for (const t of [a, b, c]) expect((await lookupSelf(t.token)).status).toBe(403);

    const p = await child(root, { policies: ["creator"] });
    const q = await child(p.token, {});
    expect((await post(p.token, "auth/token/revoke-orphan", { token: p.token })).text).toBe('{"errors":["root or sudo privileges required to revoke and orphan"]}\n');
    expect((await post(root, "auth/token/revoke-orphan", { token: p.token })).status).toBe(204);
    expect((await lookupSelf(p.token)).status).toBe(403);
    const orphaned = await lookupSelf(q.token);
    expect([orphaned.status, JSON.parse(orphaned.body).data.orphan]).toEqual([200, true]);
  });

  it("a repository token: renewal refused; revoke-self is a commit removing its entry, by the token; its children die with it", async () => {
    const ci = await repositoryToken("ci", "creator");
    const kid = await child(ci, {});
    expect((await post(ci, "auth/token/renew-self", {})).text).toBe('{"errors":["lease is not renewable"]}\n');
    const before = sb.git("rev-parse", "HEAD").trim();
    expect((await post(ci, "auth/token/revoke-self")).status).toBe(204);
    expect((await lookupSelf(ci)).status).toBe(403);
    expect((await lookupSelf(kid.token)).status).toBe(403);
    expect(sb.git("rev-parse", "HEAD~1").trim()).toBe(before);
    expect(sb.git("log", "-1", "--format=%an|%s").trim()).toBe("token-ci|auth/token/revoke-self: revoke token ci");
    expect(sb.git("show", "--stat", "--format=", "HEAD").trim()).toContain(".secrets/tokens.yaml");
    expect(readFileSync(sb.path(".secrets/tokens.yaml"), "utf8")).not.toMatch(/^ {2}ci:/m);
    expect(readFileSync(sb.path(".secrets/tokens.yaml"), "utf8")).toMatch(/^ {2}creator:/m);
  });
});

describe("cubbyhole", () => {
  it("a token's own: B cannot see A's; encrypted at rest (0600, no plaintext); gone once A is revoked", async () => {
    const a = await child(root, { policies: ["default"] });
    const b = await child(root, { policies: ["default"] });
    const secret = "cubby-value-<&>-91f3";
    expect((await post(a.token, "cubbyhole/app/db", { password: secret, n: 2 })).status).toBe(204);
    expect((await post(a.token, "cubbyhole/top", { x: "y" })).status).toBe(204);
    const read = await raw("GET", url("cubbyhole/app/db"), as(a.token));
    expect(JSON.parse(read.body)).toMatchObject({ data: { n: 2, password: secret }, mount_type: "cubbyhole", lease_duration: 0 });
    expect(JSON.parse((await raw("LIST", url("cubbyhole/"), as(a.token))).body).data.keys).toEqual(["app/", "top"]);
    expect(JSON.parse((await raw("GET", url("cubbyhole/app?list=true"), as(a.token))).body).data.keys).toEqual(["db"]);
    for (const [method, p] of [
      ["GET", "cubbyhole/app/db"],
      ["LIST", "cubbyhole/"],
    ] as const) {
      const r = await raw(method, url(p), as(b.token));
      expect([r.status, r.body]).toEqual([404, '{"errors":[]}\n']);
    }
    expect((await raw("GET", url("cubbyhole/app/db"), as(root))).status).toBe(404);
    expect((await post(a.token, "cubbyhole/empty", {})).text).toBe('{"errors":["1 error occurred:\\n\\t* missing data fields\\n\\n"]}\n');

    const dir = join(stateDir, "cubbyhole");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(text).not.toContain(secret);
      expect(text).not.toContain("password");
    }
    const before = new Set(files);

    expect((await raw("DELETE", url("cubbyhole/top"), as(a.token))).status).toBe(204);
    expect((await raw("GET", url("cubbyhole/top"), as(a.token))).status).toBe(404);
    await post(root, "auth/token/revoke", { token: a.token });
    const after = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(after.length).toBe(before.size - 1);
    // B writes after A is gone: its own cubbyhole, still private.
    expect((await post(b.token, "cubbyhole/app/db", { v: "b" })).status).toBe(204);
    expect(JSON.parse((await raw("GET", url("cubbyhole/app/db"), as(b.token))).body).data).toEqual({ v: "b" });
  });

  it("a child's cubbyhole goes with its parent", async () => {
    const p = await child(root, { policies: ["creator"] });
    const c = await child(p.token, {});
    expect((await post(c.token, "cubbyhole/k", { v: "1" })).status).toBe(204);
    const dir = join(stateDir, "cubbyhole");
    const count = readdirSync(dir).filter((f) => f.endsWith(".json")).length;
    await post(root, "auth/token/revoke", { token: p.token });
    expect(readdirSync(dir).filter((f) => f.endsWith(".json")).length).toBe(count - 1);
  });
});

describe("restart and the audit log", () => {
  it("runtime tokens and their cubbyholes survive a restart; the audit log holds none of the tokens issued", async () => {
    const a = await child(root, { policies: ["default"], ttl: "2h" });
    expect((await post(a.token, "cubbyhole/keep", { v: "kept" })).status).toBe(204);
    expect(await served.stop()).toBe(0);
    served = await startServe(sb, ["--audit-file", auditFile]);
    // The same root token: none is printed again.
    expect(served.rootToken).toBeUndefined();
    const self = await lookupSelf(a.token);
    expect([self.status, JSON.parse(self.body).data.accessor]).toEqual([200, a.accessor]);
    expect(JSON.parse((await raw("GET", url("cubbyhole/keep"), as(a.token))).body).data).toEqual({ v: "kept" });
    expect((await lookupSelf(root)).status).toBe(200);

    const log = readFileSync(auditFile, "utf8");
    const lines = log.trim().split("\n").map((l) => JSON.parse(l) as any);
    const created = lines.find((l) => l.type === "response" && l.request.path === "auth/token/create" && l.response?.auth);
    expect(created.response.auth.client_token).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(created.response.auth.accessor).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(issued.length).toBeGreaterThan(15);
    for (const t of issued) expect(log).not.toContain(t);
    expect(log).not.toContain("cubby-value");
    expect(log).not.toContain("kept");
  });

  it("the root token revoked stays revoked across a restart, and no new one is made", async () => {
    expect((await post(root, "auth/token/revoke-self")).status).toBe(204);
    expect((await lookupSelf(root)).status).toBe(403);
    expect(await served.stop()).toBe(0);
    served = await startServe(sb, ["--audit-file", auditFile]);
    expect(served.rootToken).toBeUndefined();
    expect((await lookupSelf(root)).status).toBe(403);
  });
});
