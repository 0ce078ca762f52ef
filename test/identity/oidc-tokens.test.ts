import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { createKeyFile, identityFolder, RepositoryOidcConfig, rotateKeyFileInPlace } from "../../src/identity/files.js";
import { OidcIdentity } from "../../src/identity/identity.js";
import { newKeyFile } from "../../src/identity/keys.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { Workspace } from "../../src/workspace/workspace.js";

/**
 * The identity OIDC library (src/identity) over a real checkout layout with a real age key: key
 * files created encrypted, tokens that verify with jose against the JWKS before and after a
 * rotation, Vault's caps and refusals, and no private key in clear on disk.
 */

let dir: string;
let identity: string;
let ws: Workspace;
const NOW = 1_800_000_000;
const subject = { displayName: "token-ci", accessor: "acc123", meta: { team: "payments" } };

function setup(rule = ""): void {
  dir = mkdtempSync(join(tmpdir(), "secrets-oidc-"));
  writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/identity/oidc/key/\n    age: RECIPIENT\n${rule}`);
}

async function start(rule = ""): Promise<void> {
  setup(rule);
  const pair = await generateKeyPair();
  identity = pair.identity;
  writeFileSync(join(dir, ".sops.yaml"), readFileSync(join(dir, ".sops.yaml"), "utf8").replace("RECIPIENT", pair.recipient));
  ws = new Workspace({ startDir: dir, env: { SOPS_AGE_KEY: identity } });
  const folder = identityFolder(dir);
  mkdirSync(join(folder, "role"), { recursive: true });
  writeFileSync(join(folder, "config.yaml"), "issuer: https://issuer.example:8200\n");
  writeFileSync(join(folder, "role", "ci.yaml"), 'key: main\nttl: 10m\nmax_ttl: 1h\nclient_id: https://api.example\nsubject: "svc:{{display_name}}"\nclaims:\n  team: "{{meta.team}}"\n  role: "{{role}}"\n');
}

function config(): RepositoryOidcConfig {
  return new RepositoryOidcConfig({ folder: identityFolder(dir), workspace: ws });
}

const keyPath = (name = "main"): string => join(identityFolder(dir), "key", `${name}.yaml`);

async function thrown(p: Promise<unknown>): Promise<SecretsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsError);
    return e as SecretsError;
  }
  throw new Error("expected a failure");
}

beforeEach(async () => {
  await start();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("identity OIDC tokens (library)", () => {
  for (const algorithm of ["EdDSA", "ES256"] as const) {
    it(`${algorithm}: a token verifies with jose against the JWKS before and after a rotation, and the old key leaves after verification_ttl`, async () => {
      await createKeyFile(ws, keyPath(), await newKeyFile({ algorithm, verificationTtl: 3600, allowedClientIds: ["*"] }));
      const oidc = new OidcIdentity({ config: config() });
      const first = await oidc.token("ci", subject, NOW);
      const jwks1 = await oidc.jwks(NOW);
      expect(jwks1.keys).toHaveLength(2); // the signing key and the next one, as Vault ≥ 1.9
      for (const k of jwks1.keys) expect(k).not.toHaveProperty("d");
      const verified = await jwtVerify(first.token, createLocalJWKSet(jwks1), { issuer: "https://issuer.example:8200/v1/identity/oidc", audience: "https://api.example", currentDate: new Date(NOW * 1000), algorithms: [algorithm] });
      expect(verified.payload).toEqual({ aud: "https://api.example", exp: NOW + 600, iat: NOW, iss: "https://issuer.example:8200/v1/identity/oidc", namespace: "root", role: "ci", sub: "svc:token-ci", team: "payments" });
      expect(verified.protectedHeader).toEqual({ alg: algorithm, kid: first.kid });
      expect(first).toMatchObject({ client_id: "https://api.example", ttl: 600, lifetime: 600, warnings: [] });

      const before = readFileSync(keyPath(), "utf8");
      const rotation = await rotateKeyFileInPlace(keyPath(), "main", await ws.keys(), NOW + 10);
      expect(rotation.previousKid).toBe(first.kid);
      expect(rotation.kid).toBe(jwks1.keys[1]!.kid); // the published next key signs now
      const after = readFileSync(keyPath(), "utf8");
      expect(after).not.toBe(before);
      const jwks2 = await oidc.jwks(NOW + 10);
      expect(jwks2.keys.map((k) => k.kid).sort()).toEqual([first.kid, rotation.kid, jwks2.keys[1]!.kid].sort());
      // The token signed before the rotation still verifies against the new JWKS.
      await jwtVerify(first.token, createLocalJWKSet(jwks2), { currentDate: new Date((NOW + 20) * 1000) });
      const second = await oidc.token("ci", subject, NOW + 10);
      expect(decodeProtectedHeader(second.token).kid).toBe(rotation.kid);
      await jwtVerify(second.token, createLocalJWKSet(jwks2), { currentDate: new Date((NOW + 20) * 1000) });
      // After verification_ttl the old public key is gone, and what it signed no longer verifies.
      const jwks3 = await oidc.jwks(NOW + 10 + 3600 + 1);
      expect(jwks3.keys.map((k) => k.kid)).not.toContain(first.kid);
      await expect(jwtVerify(first.token, createLocalJWKSet(jwks3), { currentDate: new Date(NOW * 1000) })).rejects.toThrow();
    });
  }

  it("keeps every private key encrypted on disk, and drops a rotated key's private half", async () => {
    const content = await newKeyFile({ algorithm: "EdDSA", verificationTtl: 3600, allowedClientIds: ["*"] });
    await createKeyFile(ws, keyPath(), content);
    const text = readFileSync(keyPath(), "utf8");
    expect(text).not.toContain(content.signing_key.d);
    expect(text).not.toContain(content.next_signing_key!.d);
    expect(text).toMatch(/^sops:/m);
    await rotateKeyFileInPlace(keyPath(), "main", await ws.keys(), NOW);
    const key = await config().key("main");
    expect(JSON.stringify(key!.content)).not.toContain(content.signing_key.d);
    expect(key!.content.previous_keys![0]!.public_key).not.toHaveProperty("d");
  });

  it("refuses a .sops.yaml rule that would leave a private key in clear, and an existing key file", async () => {
    rmSync(dir, { recursive: true, force: true });
    await start("    encrypted_regex: ^nothing$\n");
    const err = await thrown(createKeyFile(ws, keyPath(), await newKeyFile({ algorithm: "EdDSA", verificationTtl: 3600, allowedClientIds: ["*"] })));
    expect(err.message).toMatch(/signing_key|not encrypted|clear/i);
    rmSync(dir, { recursive: true, force: true });
    await start();
    await createKeyFile(ws, keyPath(), await newKeyFile({ algorithm: "EdDSA", verificationTtl: 3600, allowedClientIds: ["*"] }));
    expect((await thrown(createKeyFile(ws, keyPath(), await newKeyFile({ algorithm: "EdDSA", verificationTtl: 3600, allowedClientIds: ["*"] })))).kind).toBe("conflict");
  });

  it("caps a TTL at max_ttl, then at the key's verification_ttl, with Vault's warnings", async () => {
    await createKeyFile(ws, keyPath(), await newKeyFile({ algorithm: "EdDSA", verificationTtl: 1800, allowedClientIds: ["https://api.example"] }));
    const oidc = new OidcIdentity({ config: config() });
    const capped = await oidc.token("ci", subject, NOW, 7200);
    expect(capped.lifetime).toBe(1800);
    expect(capped.warnings).toEqual([
      'TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly',
      "a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to 1800",
    ]);
    const { payload } = await jwtVerify(capped.token, createLocalJWKSet(await oidc.jwks(NOW)), { currentDate: new Date(NOW * 1000) });
    expect(payload.exp).toBe(NOW + 1800);
  });

  it("answers Vault's refusals: unknown role, unknown key, a key that does not allow the role's client id", async () => {
    const oidc = new OidcIdentity({ config: config() });
    expect((await thrown(oidc.token("nope", subject, NOW))).message).toBe('role "nope" not found');
    expect((await thrown(oidc.token("ci", subject, NOW))).message).toBe('key "main" not found');
    await createKeyFile(ws, keyPath(), await newKeyFile({ algorithm: "EdDSA", verificationTtl: 3600, allowedClientIds: [] }));
    const err = await thrown(oidc.token("ci", subject, NOW));
    expect(err.message).toBe('the key "main" does not list the client ID of the role "ci" as an allowed client ID');
    expect(err.httpStatus).toBe(400);
  });

  it("validates the files with zod: unknown fields, Vault's reserved claims, unknown template variables, a bad issuer", async () => {
    const folder = identityFolder(dir);
    writeFileSync(join(folder, "role", "bad.yaml"), "key: main\nrotation_period: 1h\n");
    expect((await thrown(config().role("bad"))).kind).toBe("config");
    writeFileSync(join(folder, "role", "bad.yaml"), "key: main\nclaims:\n  sub: x\n");
    expect((await thrown(config().role("bad"))).message).toContain("Restricted keys: iat, aud, exp, iss, sub, namespace");
    writeFileSync(join(folder, "role", "bad.yaml"), 'key: main\nsubject: "{{identity.entity.id}}"\n');
    expect((await thrown(config().role("bad"))).message).toContain("a template names only");
    writeFileSync(join(folder, "config.yaml"), "issuer: https://issuer.example/path\n");
    expect((await thrown(config().issuer())).message).toContain("invalid issuer, which must include only a scheme, host, and optional port");
    writeFileSync(join(folder, "config.yaml"), "{}\n");
    expect((await thrown(new OidcIdentity({ config: config() }).issuer())).message).toMatch(/^no issuer/);
    expect(await new OidcIdentity({ config: config(), apiAddr: () => "http://127.0.0.1:8200" }).issuer()).toBe("http://127.0.0.1:8200/v1/identity/oidc");
  });
});
