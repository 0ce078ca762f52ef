import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type RunResult } from "../helpers/cli.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The built-in `identity/` mount of the built `secrets serve` and the `secrets jwt` commands, over
 * one checkout: node-vault's generic read of `identity/oidc/token/:role`, JWTs verified with jose
 * against the served JWKS before and after a rotation made through the API (a commit), the
 * unauthenticated `.well-known` documents, Vault's errors and the ACL, and no private key (nor a
 * minted token) in any output or the audit log.
 */

const require = createRequire(import.meta.url);
type NodeVault = { read(path: string): Promise<{ data: { token: string; client_id: string; ttl: number }; warnings: string[] | null; mount_type: string; lease_id: string; lease_duration: number; renewable: boolean }> };

const sb = new Sandbox();
let served: Served;
let root: string;
let auditFile: string;
const KEY_FILE = ".secrets/engines/identity/oidc/key/main.yaml";
/** Every CLI run's output, to search for key material at the end. */
const outputs: RunResult[] = [];
const tokens: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await sb.run(args, { env });
  outputs.push(r);
  if (r.code !== 0) throw new Error(`secrets ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function req(method: string, path: string, body?: unknown, token: string | null = root): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(token ? { "x-vault-token": token } : {}) };
  const r = await raw(method, `${served.url}/v1/${path}`, headers, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body, headers: r.headers };
}

const issuer = (): string => `${served.url}/v1/identity/oidc`;
const jwks = (): ReturnType<typeof createRemoteJWKSet> => createRemoteJWKSet(new URL(`${issuer()}/.well-known/keys`), { cacheMaxAge: 0, cooldownDuration: 0 });
const vault = (token = root): NodeVault => require("node-vault")({ endpoint: served.url, token }) as NodeVault;

/** The private members (`d`) of the key file now, decrypted (kept in this process only). */
async function privateParts(): Promise<string[]> {
  const plain = JSON.parse(await sb.ok(["decrypt", "--output-type", "json", KEY_FILE])) as { signing_key: { d: string }; next_signing_key: { d: string } };
  return [plain.signing_key.d, plain.next_signing_key.d];
}

beforeAll(async () => {
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `keys:\n  - &me ${recipient}\ncreation_rules:\n  - path_regex: ^\\.secrets/engines/identity/oidc/key/\n    age: *me\n`);
  await cli(["jwt", "key", "create", "main", "--verification-ttl", "1h"]);
  mkdirSync(sb.path(".secrets/engines/identity/oidc/role"), { recursive: true });
  writeFileSync(sb.path(".secrets/engines/identity/oidc/role/ci.yaml"), 'key: main\nttl: 10m\nclient_id: https://api.example\nsubject: "ci:{{display_name}}"\n');
  mkdirSync(sb.path(".secrets/policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/jwt.hcl"), 'path "identity/oidc/token/ci" {\n  capabilities = ["read"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "identity key and role");
  auditFile = join(sb.dir, "audit.log");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
}, 120_000);

afterAll(async () => {
  await served?.stop();
  sb.cleanup();
});

describe("identity/oidc (secrets serve)", () => {
  it("node-vault reads identity/oidc/token/:role: Vault's envelope, a JWT that verifies with jose against the served JWKS", async () => {
    const r = await vault().read("identity/oidc/token/ci");
    expect(Object.keys(r)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(r).toMatchObject({ lease_id: "", renewable: false, lease_duration: 0, warnings: null, mount_type: "identity" });
    expect(Object.keys(r.data)).toEqual(["client_id", "token", "ttl"]);
    expect(r.data).toMatchObject({ client_id: "https://api.example", ttl: 600 });
    tokens.push(r.data.token);
    const { payload, protectedHeader } = await jwtVerify(r.data.token, jwks(), { issuer: issuer(), audience: "https://api.example" });
    expect(payload.sub).toBe("ci:root");
    expect(payload.namespace).toBe("root");
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(typeof protectedHeader.kid).toBe("string");
  });

  it("serves .well-known/keys and openid-configuration without a token, as Vault", async () => {
    const keys = await req("GET", "identity/oidc/.well-known/keys", undefined, null);
    expect(keys.status).toBe(200);
    expect(keys.headers["content-type"]).toBe("application/json");
    const set = JSON.parse(keys.body) as { keys: Record<string, unknown>[] };
    expect(set.keys).toHaveLength(2);
    for (const k of set.keys) {
      expect(Object.keys(k)).toEqual(["use", "kty", "kid", "crv", "alg", "x"]);
      expect(k).toMatchObject({ use: "sig", kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    }
    const disc = await req("GET", "identity/oidc/.well-known/openid-configuration", undefined, null);
    expect(disc.status).toBe(200);
    expect(disc.headers["cache-control"]).toBe("max-age=3600");
    expect(JSON.parse(disc.body)).toEqual({
      issuer: issuer(),
      jwks_uri: `${issuer()}/.well-known/keys`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["EdDSA", "ES256"],
    });
  });

  it("answers Vault's errors, and the token route is under the ACL", async () => {
    expect(await req("GET", "identity/oidc/token/nope")).toMatchObject({ status: 400, body: '{"errors":["role \\"nope\\" not found"]}\n' });
    expect(await req("POST", "identity/oidc/key/nope/rotate", {})).toMatchObject({ status: 400, body: '{"errors":["no named key found at \\"nope\\""]}\n' });
    expect((await req("GET", "identity/oidc/token/ci", undefined, null)).status).toBe(403);
    const plain = JSON.parse((await req("POST", "auth/token/create", { policies: ["default"] })).body) as { auth: { client_token: string } };
    expect((await req("GET", "identity/oidc/token/ci", undefined, plain.auth.client_token)).status).toBe(403);
    const allowed = JSON.parse((await req("POST", "auth/token/create", { policies: ["jwt"], display_name: "deployer" })).body) as { auth: { client_token: string } };
    const r = await vault(allowed.auth.client_token).read("identity/oidc/token/ci");
    tokens.push(r.data.token);
    expect((await jwtVerify(r.data.token, jwks(), { issuer: issuer() })).payload.sub).toBe("ci:token-deployer");
  });

  it("rotates through identity/oidc/key/:name/rotate as one commit; tokens signed before and after both verify against the served JWKS", async () => {
    const before = await vault().read("identity/oidc/token/ci");
    tokens.push(before.data.token);
    const oldKid = decodeProtectedHeader(before.data.token).kid;
    const oldParts = await privateParts();
    const commits = Number(sb.git("rev-list", "--count", "HEAD").trim());
    expect((await req("POST", "identity/oidc/key/main/rotate", { verification_ttl: "30m" })).status).toBe(204);
    expect(Number(sb.git("rev-list", "--count", "HEAD").trim())).toBe(commits + 1);
    expect(sb.git("log", "-1", "--format=%an|%s", "--name-only").trim()).toBe(`root|rotate OIDC key main\n\n${KEY_FILE}`);
    // The rotated file is still encrypted, holds no private half of the old key, and the CLI opens it.
    const text = readFileSync(sb.path(KEY_FILE), "utf8");
    for (const d of oldParts) expect(text).not.toContain(d);
    expect(JSON.stringify(await privateParts())).not.toContain(oldParts[0]!);

    const after = await vault().read("identity/oidc/token/ci");
    tokens.push(after.data.token);
    expect(decodeProtectedHeader(after.data.token).kid).not.toBe(oldKid);
    await jwtVerify(before.data.token, jwks(), { issuer: issuer(), audience: "https://api.example" });
    await jwtVerify(after.data.token, jwks(), { issuer: issuer(), audience: "https://api.example" });
    const kids = (JSON.parse((await req("GET", "identity/oidc/.well-known/keys", undefined, null)).body) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(kids).toHaveLength(3);
    expect(kids).toContain(oldKid);
  });

  it("secrets jwt token and jwks in the same checkout: the CLI's token verifies against the server's JWKS, and its JWKS is the server's", async () => {
    const token = (await cli(["jwt", "token", "ci", "--display-name", "laptop", "--ttl", "5m"], { VAULT_API_ADDR: served.url })).trim();
    tokens.push(token);
    const { payload } = await jwtVerify(token, jwks(), { issuer: issuer(), audience: "https://api.example" });
    expect(payload.sub).toBe("ci:laptop");
    expect(payload.exp! - payload.iat!).toBe(300);
    const local = JSON.parse(await cli(["jwt", "jwks"])) as { keys: { kid: string }[] };
    const remote = JSON.parse((await req("GET", "identity/oidc/.well-known/keys", undefined, null)).body) as { keys: { kid: string }[] };
    expect(local).toEqual(remote);
    await jwtVerify(token, createLocalJWKSet(local as Parameters<typeof createLocalJWKSet>[0]));
    const json = JSON.parse(await cli(["jwt", "token", "ci", "--format", "json"], { VAULT_API_ADDR: served.url })) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["client_id", "token", "ttl"]);
    tokens.push(json.token as string);
  });

  it("secrets jwt key rotate rewrites the file (the old key stays published), and no private key or token is in any output or the audit log", async () => {
    const oldParts = await privateParts();
    const kidsBefore = (JSON.parse(await cli(["jwt", "jwks"])) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const out = await sb.run(["jwt", "key", "rotate", "main"]);
    outputs.push(out);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/rotated .*main\.yaml: key id \S+ signs now; \S+ stays in the JWKS until \d{4}-/);
    const kidsAfter = (JSON.parse(await cli(["jwt", "jwks"])) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    for (const k of kidsBefore) expect(kidsAfter).toContain(k);
    const secrets = [...oldParts, ...(await privateParts())];
    const audit = readFileSync(auditFile, "utf8");
    expect(audit).toContain("identity/oidc/token/ci");
    for (const s of [...secrets, ...tokens]) {
      expect(audit).not.toContain(s);
      expect(served.stderr()).not.toContain(s);
    }
    for (const s of secrets) for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(s);
  });
});
