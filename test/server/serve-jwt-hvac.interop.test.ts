import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { githubClaims, makeKey, sign, startIssuer, type LocalIssuer } from "../helpers/jwt-issuer.js";
import { buildFixture, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac, 0.11) sets up and uses the JWT auth method as its users
 * do: `sys.enable_auth_method("jwt")`, `auth.jwt.configure`, `create_role`, `read_role`,
 * `list_roles` (the LIST verb), then `auth.jwt.jwt_login`, which makes the client use the token it
 * gets; a refused login raises InvalidRequest with Vault's message.
 */

const AUD = "https://github.com/acme";

const SCRIPT = String.raw`
import json, os, hvac
out = {}
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
c.sys.enable_auth_method("jwt", description="GitHub Actions")
out["methods"] = sorted(c.sys.list_auth_methods()["data"].keys())
c.auth.jwt.configure(jwks_url=os.environ["JWKS_URL"], bound_issuer=os.environ["ISSUER"])
out["config"] = c.auth.jwt.read_config()["data"]["jwks_url"]
c.auth.jwt.create_role(name="ci", role_type="jwt", user_claim="repository", allowed_redirect_uris=[], bound_audiences=[os.environ["AUD"]],
    bound_claims={"sub": "repo:acme/app:ref:refs/heads/*"}, bound_claims_type="glob", token_policies=["ci-read"], token_ttl="10m")
role = c.auth.jwt.read_role("ci")["data"]
out["role"] = {k: role[k] for k in ["role_type", "user_claim", "bound_audiences", "bound_claims_type", "token_policies", "token_ttl", "allowed_redirect_uris"]}
out["roles"] = c.auth.jwt.list_roles()["data"]["keys"]
user = hvac.Client(url=os.environ["VAULT_ADDR"])
login = user.auth.jwt.jwt_login(role="ci", jwt=os.environ["JWT"])
out["login"] = {k: login["auth"][k] for k in ["policies", "metadata", "lease_duration", "renewable", "orphan", "token_type"]}
out["authenticated"] = user.is_authenticated()
out["secret"] = user.secrets.kv.v2.read_secret_version(path="app")["data"]["data"]["password"]
try:
    hvac.Client(url=os.environ["VAULT_ADDR"]).auth.jwt.jwt_login(role="ci", jwt=os.environ["BAD_JWT"])
except hvac.exceptions.InvalidRequest as e:
    out["refused"] = ["InvalidRequest", e.errors]
print(json.dumps(out))
`;

let sb: Sandbox;
let served: Served;
let issuer: LocalIssuer;

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/ci-read.hcl"), 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "policy");
  issuer = await startIssuer(await makeKey("RS256"));
  served = await startServe(sb);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  await issuer?.close();
  sb?.cleanup();
});

describe("hvac and the JWT auth method", () => {
  it("enable, configure, create/read/list a role, jwt_login, use the token; a refused login", async () => {
    const jwt = await sign(issuer.keys[0]!, githubClaims(issuer.url, AUD));
    const bad = await sign(issuer.keys[0]!, githubClaims(issuer.url, "https://github.com/other"));
    // Python runs as a child while this process serves the issuer's JWKS: spawnSync would block it, so the script runs asynchronously.
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const env = { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken!, JWKS_URL: `${issuer.url}/.well-known/jwks`, ISSUER: issuer.url, AUD, JWT: jwt, BAD_JWT: bad };
      execFile("/usr/bin/python3", ["-c", SCRIPT], { env, timeout: 60_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr }));
    });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.methods).toEqual(["jwt/", "token/"]);
    expect(out.config).toBe(`${issuer.url}/.well-known/jwks`);
    expect(out.role).toEqual({ role_type: "jwt", user_claim: "repository", bound_audiences: [AUD], bound_claims_type: "glob", token_policies: ["ci-read"], token_ttl: 600, allowed_redirect_uris: [] });
    expect(out.roles).toEqual(["ci"]);
    expect(out.login).toEqual({ policies: ["ci-read", "default"], metadata: { role: "ci" }, lease_duration: 600, renewable: true, orphan: true, token_type: "service" });
    expect(out.authenticated).toBe(true);
    expect(out.secret).toBe(VALUES[1]);
    expect(out.refused).toEqual(["InvalidRequest", ["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"]]);
    expect(sb.git("log", "--format=%s", "-3")).toBe("auth/jwt/role/ci: written through the API\nauth/jwt/config: written through the API\nsys/auth/jwt/: enabled (type jwt) through the API\n");
  });
});
