import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION_DENIED_BODY } from "../../src/auth/policy/index.js";
import type { Sandbox } from "../helpers/cli.js";
import { githubClaims, makeKey, sign, startIssuer, type LocalIssuer } from "../helpers/jwt-issuer.js";
import { buildFixture, raw, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * The JWT auth method through the served API (dist/cli.js serve, as a process): enabled at
 * sys/auth/jwt, configured and given a role through the API (each a commit), a login with a JWT
 * from a local issuer whose JWKS the server fetches over loopback, the issued token used for a
 * secret, and the audit log holding neither the JWT nor the token.
 */

const require = createRequire(import.meta.url);
const AUD = "https://github.com/acme";

let sb: Sandbox;
let served: Served;
let issuer: LocalIssuer;
let root: string;
let auditFile: string;

const api = (method: string, path: string, body?: unknown, token: string | undefined = root) =>
  raw(method, `${served.url}/v1/${path}`, token === undefined ? {} : { "X-Vault-Token": token }, body === undefined ? undefined : JSON.stringify(body));

const idToken = (over: Record<string, unknown> = {}) => sign(issuer.keys[0]!, githubClaims(issuer.url, AUD, over));

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  // auth/token/create: the disabling test makes a child of a login token.
  writeFileSync(sb.path(".secrets/policies/ci-read.hcl"), 'path "secret/data/app" {\n  capabilities = ["read"]\n}\npath "auth/token/create" {\n  capabilities = ["update"]\n}\n');
  writeFileSync(sb.path(".secrets/policies/mounter.hcl"), 'path "sys/auth/*" {\n  capabilities = ["create", "read", "update", "delete"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "policies");
  issuer = await startIssuer(await makeKey("RS256"));
  auditFile = sb.path("..", "audit.log");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
}, 60_000);

afterAll(async () => {
  await served?.stop();
  await issuer?.close();
  sb?.cleanup();
});

describe("sys/auth", () => {
  it("lists the token store alone at first, its data copied to the top level of the body", async () => {
    const r = await api("GET", "sys/auth");
    expect(r.status).toBe(200);
    const b = JSON.parse(r.body);
    expect(Object.keys(b.data)).toEqual(["token/"]);
    expect(b["token/"]).toEqual(b.data["token/"]);
    expect(r.body.startsWith('{"token/":{')).toBe(true);
    expect(b.data["token/"]).toMatchObject({ type: "token", description: "token based credentials", local: false, seal_wrap: false, options: null, config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: "default-service" } });
    expect(b.data["token/"].accessor).toMatch(/^auth_token_[0-9a-f]{8}$/);
  });

  it("enabling needs sudo on the path: a token with every other capability gets 403", async () => {
    const made = await sb.run(["token", "create", "mounter", "--policy", "mounter"]);
    expect(made.code).toBe(0);
    const r = await api("POST", "sys/auth/jwt", { type: "jwt" }, made.stdout.trim());
    expect([r.status, r.body]).toEqual([403, PERMISSION_DENIED_BODY]);
    expect(existsSync(sb.path(".secrets/mounts.yaml"))).toBe(false);
  });

  it("POST sys/auth/jwt {type: jwt} enables it in one commit to .secrets/mounts.yaml; conflicts and unknown types as Vault answers", async () => {
    const r = await api("POST", "sys/auth/jwt", { type: "jwt", description: "GitHub Actions" });
    expect([r.status, r.body]).toEqual([204, ""]);
    expect(sb.git("log", "-1", "--format=%s%n%an")).toBe("sys/auth/jwt/: enabled (type jwt) through the API\nroot\n");
    expect(readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")).toContain("auth:\n  jwt/:\n    type: jwt\n    description: GitHub Actions\n");
    const again = await api("POST", "sys/auth/jwt", { type: "jwt" });
    expect([again.status, JSON.parse(again.body)]).toEqual([409, { errors: ["path is already in use at jwt/"] }]);
    const token = await api("POST", "sys/auth/token", { type: "jwt" });
    expect([token.status, JSON.parse(token.body)]).toEqual([409, { errors: ["path is already in use at token/"] }]);
    const approle = await api("POST", "sys/auth/approle", { type: "approle" });
    expect([approle.status, JSON.parse(approle.body)]).toEqual([400, { errors: ["plugin not found in the catalog: approle"] }]);
    const list = JSON.parse((await api("GET", "sys/auth")).body);
    expect(Object.keys(list.data)).toEqual(["jwt/", "token/"]);
    expect(list.data["jwt/"]).toMatchObject({ type: "jwt", description: "GitHub Actions", deprecation_status: "supported" });
    const one = await api("GET", "sys/auth/jwt");
    expect(JSON.parse(one.body).data).toEqual(list.data["jwt/"]);
    expect(JSON.parse((await api("GET", "sys/auth/nope")).body)).toEqual({ errors: ["No auth engine at nope/"] });
  });
});

describe("auth/jwt: configuration and roles through the API, each a commit", () => {
  it("config: a JWKS URL that does not answer is refused; one that does is committed and read back", async () => {
    const bad = await api("POST", "auth/jwt/config", { jwks_url: "http://127.0.0.1:9/jwks" });
    expect([bad.status, JSON.parse(bad.body)]).toEqual([400, { errors: ["error checking jwks URL http://127.0.0.1:9/jwks"] }]);
    expect((await api("GET", "auth/jwt/config")).status).toBe(404);
    const r = await api("POST", "auth/jwt/config", { jwks_url: `${issuer.url}/.well-known/jwks`, bound_issuer: issuer.url });
    expect(r.status).toBe(204);
    expect(sb.git("log", "-1", "--format=%s", "--name-only")).toBe("auth/jwt/config: written through the API\n\n.secrets/auth/jwt/config.yaml\n");
    const read = JSON.parse((await api("GET", "auth/jwt/config")).body);
    expect(read.mount_type).toBe("jwt");
    expect(read.data).toMatchObject({ jwks_url: `${issuer.url}/.well-known/jwks`, bound_issuer: issuer.url, oidc_client_id: "", jwks_pairs: [], namespace_in_state: true });
  });

  it("role: create (a create in the ACL), read, list; Vault's errors as 400 with the message as it is", async () => {
    const noBound = await api("POST", "auth/jwt/role/ci", { role_type: "jwt", user_claim: "repository" });
    expect([noBound.status, JSON.parse(noBound.body)]).toEqual([400, { errors: ["must have at least one bound constraint when creating/updating a role"] }]);
    const r = await api("POST", "auth/jwt/role/ci", {
      role_type: "jwt",
      user_claim: "repository",
      bound_audiences: AUD,
      bound_claims_type: "glob",
      bound_claims: { sub: "repo:acme/app:ref:refs/heads/*" },
      claim_mappings: { repository: "repo", ref: "ref" },
      token_policies: "ci-read",
      token_ttl: "10m",
    });
    expect([r.status, r.body]).toEqual([204, ""]);
    expect(sb.git("log", "-1", "--format=%s")).toBe("auth/jwt/role/ci: written through the API\n");
    const read = JSON.parse((await api("GET", "auth/jwt/role/ci")).body);
    expect(read.data).toMatchObject({ role_type: "jwt", user_claim: "repository", bound_audiences: [AUD], token_policies: ["ci-read"], token_ttl: 600, bound_claims: { sub: "repo:acme/app:ref:refs/heads/*" } });
    const list = await api("LIST", "auth/jwt/role");
    expect(JSON.parse(list.body).data).toEqual({ keys: ["ci"] });
    expect((await api("GET", "auth/jwt/role/missing")).status).toBe(404);
  });

  it("a role committed by hand (a merged pull request) is served at once", async () => {
    mkdirSync(sb.path(".secrets/auth/jwt/roles"), { recursive: true });
    writeFileSync(sb.path(".secrets/auth/jwt/roles/deploy.yaml"), "user_claim: repository\nbound_audiences: [https://github.com/acme]\nbound_subject: repo:acme/app:environment:production\ntoken_policies: [ci-read]\n");
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", "role deploy");
    const list = JSON.parse((await api("LIST", "auth/jwt/role")).body);
    expect(list.data.keys).toEqual(["ci", "deploy"]);
    const login = await api("POST", "auth/jwt/login", { role: "deploy", jwt: await idToken({ sub: "repo:acme/app:environment:production" }) }, undefined);
    expect(login.status).toBe(200);
  });
});

describe("auth/jwt/login", () => {
  it("needs no token, answers Vault's auth block, and the token reads what its role's policy grants", async () => {
    const r = await api("POST", "auth/jwt/login", { role: "ci", jwt: await idToken() }, undefined);
    expect(r.status).toBe(200);
    const b = JSON.parse(r.body);
    expect(Object.keys(b)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(b).toMatchObject({ lease_id: "", renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null, mount_type: "jwt" });
    expect(Object.keys(b.auth)).toEqual(["client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type", "orphan", "mfa_requirement", "num_uses"]);
    expect(b.auth).toMatchObject({
      policies: ["ci-read", "default"],
      token_policies: ["ci-read", "default"],
      metadata: { ref: "refs/heads/main", repo: "acme/app", role: "ci" },
      lease_duration: 600,
      renewable: true,
      entity_id: "",
      token_type: "service",
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });
    expect(r.body).toContain('"metadata":{"ref":"refs/heads/main","repo":"acme/app","role":"ci"}');
    const token = b.auth.client_token as string;
    expect(token).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    const secret = await api("GET", "secret/data/app", undefined, token);
    expect([secret.status, JSON.parse(secret.body).data.data.password]).toEqual([200, VALUES[1]]);
    expect((await api("GET", "secret/data/team/db", undefined, token)).status).toBe(403);
    const self = JSON.parse((await api("GET", "auth/token/lookup-self", undefined, token)).body).data;
    expect(self).toMatchObject({ path: "auth/jwt/login", display_name: "jwt-acme/app", policies: ["ci-read", "default"], meta: { ref: "refs/heads/main", repo: "acme/app", role: "ci" }, orphan: true });
  });

  it("a refused login: 400 with the plugin's message, and no token", async () => {
    const wrongBranch = await api("POST", "auth/jwt/login", { role: "ci", jwt: await idToken({ sub: "repo:acme/app:pull_request" }) }, undefined);
    expect([wrongBranch.status, wrongBranch.body]).toEqual([400, '{"errors":["error validating claims: claim \\"sub\\" does not match any associated bound claim values"]}\n']);
    const wrongAud = await api("POST", "auth/jwt/login", { role: "ci", jwt: await sign(issuer.keys[0]!, githubClaims(issuer.url, "https://github.com/other")) }, undefined);
    expect(JSON.parse(wrongAud.body)).toEqual({ errors: ["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"] });
    const missing = await api("POST", "auth/jwt/login", { role: "nope", jwt: await idToken() }, undefined);
    expect(JSON.parse(missing.body)).toEqual({ errors: ['role "nope" could not be found'] });
    const get = await api("GET", "auth/jwt/login", undefined, undefined);
    expect(get.status).toBe(405);
  });

  it("node-vault's jwtLogin logs in and uses the token", async () => {
    const vault = require("node-vault")({ endpoint: served.url });
    const r = await vault.jwtLogin({ role: "ci", jwt: await idToken() });
    expect(r.auth.policies).toEqual(["ci-read", "default"]);
    expect(vault.token).toBe(r.auth.client_token);
    expect((await vault.read("secret/data/app")).data.data.password).toBe(VALUES[1]);
  });

  it("the audit log HMACs the login's jwt and the issued token and accessor; neither appears in clear", async () => {
    const jwt = await idToken();
    const r = await api("POST", "auth/jwt/login", { role: "ci", jwt }, undefined);
    const auth = JSON.parse(r.body).auth;
    const log = readFileSync(auditFile, "utf8");
    for (const secret of [jwt, auth.client_token, auth.accessor, ...VALUES]) expect(log).not.toContain(secret);
    const lines = log.trim().split("\n").map((l) => JSON.parse(l));
    const request = lines.find((l) => l.type === "request" && l.request.path === "auth/jwt/login" && l.request.data?.role);
    expect(request.request.data.jwt).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(request.request.mount_type).toBe("jwt");
    const response = lines.filter((l) => l.type === "response" && l.request.path === "auth/jwt/login" && l.response?.auth).at(-1);
    expect(response.response.auth.client_token).toMatch(/^hmac-sha256:/);
    expect(response.response.auth.accessor).toMatch(/^hmac-sha256:/);
    expect(response.response.auth).toMatchObject({ display_name: "jwt-acme/app", policies: ["ci-read", "default"], metadata: { role: "ci" }, token_type: "service", token_ttl: 600 });
    expect(response.auth.client_token).toMatch(/^hmac-sha256:/);
  });
});

const login = async (): Promise<string> => JSON.parse((await api("POST", "auth/jwt/login", { role: "ci", jwt: await idToken() }, undefined)).body).auth.client_token;

describe("disabling", () => {
  it("a method removed by a commit: its tokens are refused from the next request, and stay revoked when the commit is reverted", async () => {
    const token = await login();
    const child = JSON.parse((await api("POST", "auth/token/create", { policies: ["ci-read"] }, token)).body).auth.client_token as string;
    expect((await api("GET", "secret/data/app", undefined, token)).status).toBe(200);
    const declared = readFileSync(sb.path(".secrets/mounts.yaml"), "utf8");
    writeFileSync(sb.path(".secrets/mounts.yaml"), declared.replace(/^auth:\n(?: {2}.*\n)+/m, ""));
    expect(readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")).not.toContain("jwt");
    sb.git("commit", "-q", "-am", "drop the jwt method");
    // The child first: it dies with the method even before its parent is presented.
    expect((await api("GET", "secret/data/app", undefined, child)).status).toBe(403);
    expect([(await api("GET", "secret/data/app", undefined, token)).status, (await api("GET", "auth/token/lookup-self", undefined, token)).status]).toEqual([403, 403]);
    sb.git("revert", "--no-edit", "HEAD");
    expect((await api("GET", "sys/auth")).body).toContain('"jwt/"');
    expect((await api("GET", "secret/data/app", undefined, token)).status).toBe(403);
    expect((await api("GET", "secret/data/app", undefined, await login())).status).toBe(200);
  });

  it("DELETE sys/auth/jwt removes the entry and the method's files in one commit, and revokes the tokens its logins issued, children included", async () => {
    const token = await login();
    const child = JSON.parse((await api("POST", "auth/token/create", { policies: ["ci-read"] }, token)).body).auth.client_token as string;
    expect([(await api("GET", "secret/data/app", undefined, token)).status, (await api("GET", "secret/data/app", undefined, child)).status]).toEqual([200, 200]);
    const r = await api("DELETE", "sys/auth/jwt");
    expect(r.status).toBe(204);
    expect(sb.git("log", "-1", "--format=%s")).toBe("sys/auth/jwt/: disabled through the API (its configuration and roles removed)\n");
    expect(sb.git("show", "--name-status", "--format=", "HEAD").split("\n").filter(Boolean).sort()).toEqual([
      "D\t.secrets/auth/jwt/config.yaml",
      "D\t.secrets/auth/jwt/roles/ci.yaml",
      "D\t.secrets/auth/jwt/roles/deploy.yaml",
      "M\t.secrets/mounts.yaml",
    ]);
    expect(Object.keys(JSON.parse((await api("GET", "sys/auth")).body).data)).toEqual(["token/"]);
    for (const t of [token, child]) expect([(await api("GET", "secret/data/app", undefined, t)).status, (await api("GET", "auth/token/lookup-self", undefined, t)).status]).toEqual([403, 403]);
    expect((await api("DELETE", "sys/auth/jwt")).status).toBe(204);
    const tokenStore = await api("DELETE", "sys/auth/token");
    expect(JSON.parse(tokenStore.body)).toEqual({ errors: ["token credential backend cannot be disabled"] });
  });
});
