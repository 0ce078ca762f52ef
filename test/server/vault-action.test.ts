import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectStage, prepareStep, runStageAsync, type StageResult, type Step } from "../action/runner-harness.js";
import type { Sandbox } from "../helpers/cli.js";
import { makeKey, startIssuer, type LocalIssuer } from "../helpers/jwt-issuer.js";
import { buildFixture, raw, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * hashicorp/vault-action v3.4.0 (its own bundle, vendored unchanged in test/vendor/vault-action/)
 * run as the GitHub runner runs it (test/action/runner-harness.ts: an environment built from
 * scratch, INPUT_* for every declared input, the file commands, the runner's masking replayed)
 * against `secrets serve`:
 * - `method: token` with a token from the repository (`secrets token create`);
 * - `method: jwt` with `role`, the OIDC token taken from the runner's ID-token endpoint
 *   (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, a loopback issuer here) and verified by the server
 *   against that issuer's discovery document and JWKS: CI with no stored key at all.
 * - `pki:` (certificates instead of `secrets:`): `pki/issue/web {…}` issues a certificate from the
 *   server's `pki` mount (a root CA generated through the API, a role from the repository), the
 *   action's four values (`_cert`, `_key`, `_ca`, `_ca_chain`) real PEM chaining to that CA.
 * The secrets must land in GITHUB_ENV and the step outputs, each registered with `::add-mask::`
 * before anything else prints it, and no secret (value, Vault token, OIDC token) may appear in
 * any form the runner would show.
 */

const ACTION_DIR = join(import.meta.dirname, "..", "vendor", "vault-action");
const AUD = "https://github.com/acme";
const SECRETS = "secret/data/app password | APP_PASSWORD ; secret/data/team/db user | DB_USER";
const EXPECTED = { APP_PASSWORD: VALUES[1]!, DB_USER: VALUES[2]! };

let sb: Sandbox;
let served: Served;
let issuer: LocalIssuer;
let repoToken: string;
let pkiToken: string;
let caPem: string;

beforeAll(async () => {
  sb = await buildFixture();
  issuer = await startIssuer(await makeKey("RS256"));
  // The repository declares everything, as a reviewed pull request would: the policy, the auth
  // method, its configuration (GitHub's issuer, here the loopback one) and the CI role.
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  mkdirSync(sb.path(".secrets", "auth", "jwt", "roles"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/ci-read.hcl"), 'path "secret/data/app" {\n  capabilities = ["read"]\n}\npath "secret/data/team/db" {\n  capabilities = ["read"]\n}\n');
  writeFileSync(sb.path(".secrets/policies/ci-pki.hcl"), 'path "pki/issue/web" {\n  capabilities = ["update"]\n}\n');
  writeFileSync(sb.path(".secrets/mounts.yaml"), 'secrets:\n  secret/:\n    type: kv\n    options: {version: "2"}\n  pki/:\n    type: pki\n    config: {max_lease_ttl: 315360000}\nauth:\n  jwt/:\n    type: jwt\n');
  // The CA key gets a rule of its own (docs/pki.md), to the server's identity (`me`).
  const sops = readFileSync(sb.path(".sops.yaml"), "utf8");
  writeFileSync(sb.path(".sops.yaml"), sops.replace("creation_rules:\n", "creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/ca-key\\.yaml$\n    key_groups:\n      - age:\n          - *me\n"));
  mkdirSync(sb.path(".secrets", "engines", "pki", "roles"), { recursive: true });
  writeFileSync(sb.path(".secrets/engines/pki/roles/web.yaml"), "allowed_domains: [example.com]\nallow_subdomains: true\nmax_ttl: 72h\nkey_type: ec\n");
  writeFileSync(sb.path(".secrets/auth/jwt/config.yaml"), `oidc_discovery_url: ${issuer.url}\nbound_issuer: ${issuer.url}\n`);
  writeFileSync(
    sb.path(".secrets/auth/jwt/roles/ci.yaml"),
    `role_type: jwt\nuser_claim: repository\nbound_audiences: [${AUD}]\nbound_claims_type: glob\nbound_claims:\n  sub: "repo:acme/app:ref:refs/heads/*"\ntoken_policies: [ci-read]\ntoken_ttl: 10m\n`,
  );
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "CI may read its secrets through GitHub's OIDC");
  repoToken = (await sb.ok(["token", "create", "deploy", "--policy", "ci-read"])).trim();
  pkiToken = (await sb.ok(["token", "create", "deploy-pki", "--policy", "ci-pki"])).trim();
  served = await startServe(sb);
  const gen = await raw("POST", `${served.url}/v1/pki/root/generate/internal`, { "x-vault-token": served.rootToken!, "content-type": "application/json" }, JSON.stringify({ common_name: "Example Root CA", key_type: "ec", ttl: "87600h" }));
  expect(gen.status).toBe(200);
  caPem = (JSON.parse(gen.body) as { data: { certificate: string } }).data.certificate;
}, 60_000);

afterAll(async () => {
  await served?.stop();
  await issuer?.close();
  sb?.cleanup();
});

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(join(ACTION_DIR, file))).digest("hex");

it("the vendored action is the one PROVENANCE.md names, byte for byte", () => {
  const provenance = readFileSync(join(ACTION_DIR, "PROVENANCE.md"), "utf8");
  for (const file of ["dist/index.js", "action.yml", "LICENSE", "package.json"]) expect(provenance).toContain(`| \`${file}\` | \`${sha256(file)}\` |`);
  expect(provenance).toContain("4c06c5ccf5c0761b6029f56cfb1dcf5565918a3b");
});

async function runAction(inputs: Record<string, string>, env: Record<string, string>, debug: boolean): Promise<{ step: Step; result: StageResult }> {
  const step = prepareStep({ actionDir: ACTION_DIR, inputs: { url: served.url, secrets: SECRETS, ...inputs }, env, debug });
  const result = await runStageAsync(step, "main", { timeout: 60_000 });
  return { step, result };
}

describe.each([false, true])("hashicorp/vault-action v3.4.0, RUNNER_DEBUG=%s", (debug) => {
  it("method: token with a repository token: the secrets in GITHUB_ENV and the outputs, masked first, nothing leaked", async () => {
    const { step, result } = await runAction({ method: "token", token: repoToken }, {}, debug);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const r = inspectStage(step, result, { ...EXPECTED, VAULT_TOKEN: repoToken });
    expect(r.env).toEqual({ values: EXPECTED, error: null });
    expect(r.outputs).toEqual({ values: EXPECTED, error: null });
    expect(r.leaks).toEqual([]);
    expect(r.missingMasks).toEqual([]);
    expect(r.registered).toEqual(expect.arrayContaining([repoToken, ...Object.values(EXPECTED)]));
  });

  it("method: jwt with role: the runner's OIDC token is exchanged for a Vault token, no stored key", async () => {
    const before = issuer.hits.get("/id-token") ?? 0;
    const { step, result } = await runAction(
      { method: "jwt", role: "ci", jwtGithubAudience: AUD, outputToken: "true" },
      { ACTIONS_ID_TOKEN_REQUEST_URL: issuer.idTokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken },
      debug,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect((issuer.hits.get("/id-token") ?? 0) - before).toBe(1);
    const jwt = issuer.issued.at(-1)!;
    const outputs = inspectStage(step, result, {}).outputs.values;
    const vaultToken = outputs.vault_token!;
    expect(vaultToken).toMatch(/^hvs\./);
    const r = inspectStage(step, result, { ...EXPECTED, VAULT_TOKEN: vaultToken, OIDC_TOKEN: jwt });
    expect(r.env).toEqual({ values: EXPECTED, error: null });
    expect(r.outputs).toEqual({ values: { vault_token: vaultToken, ...EXPECTED }, error: null });
    expect(r.leaks).toEqual([]);
    expect(r.missingMasks).toEqual([]);
    // The OIDC token is registered by the toolkit as soon as it arrives, the Vault token before any secret is read.
    expect(r.registered.indexOf(jwt)).toBeLessThan(r.registered.indexOf(vaultToken));
    expect(r.registered.indexOf(vaultToken)).toBeLessThan(r.registered.indexOf(EXPECTED.APP_PASSWORD));
  });

  it("method: jwt from a branch the role does not bind: the step fails with Vault's error and leaks nothing", async () => {
    issuer.claimOverrides = { sub: "repo:acme/app:pull_request" };
    try {
      const { step, result } = await runAction(
        { method: "jwt", role: "ci", jwtGithubAudience: AUD },
        { ACTIONS_ID_TOKEN_REQUEST_URL: issuer.idTokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken },
        debug,
      );
      expect(result.status).not.toBe(0);
      const r = inspectStage(step, result, { ...EXPECTED, OIDC_TOKEN: issuer.issued.at(-1)! });
      expect(r.leaks).toEqual([]);
      expect(r.env.values).toEqual({});
      // core.setFailed's one line, holding Vault's error as the server sent it.
      expect(result.stdout).toContain('::error::failed to retrieve vault token. code: ERR_NON_2XX_3XX_RESPONSE, message: Response code 400 (Bad Request), vaultResponse: {"errors":["error validating claims: claim \\"sub\\" does not match any associated bound claim values"]}');
    } finally {
      issuer.claimOverrides = {};
    }
  });

  it("pki: a certificate from the pki mount: real PEM chaining to the CA, in GITHUB_ENV and the outputs, every line masked first", async () => {
    const { step, result } = await runAction({ method: "token", token: pkiToken, secrets: "", pki: 'pki/issue/web {"common_name":"a.example.com","ttl":"1h"}' }, {}, debug);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const values = inspectStage(step, result, {}).outputs.values;
    expect(Object.keys(values).sort()).toEqual(["web_ca", "web_ca_chain", "web_cert", "web_key"]);
    const out = { WEB_CERT: values.web_cert!, WEB_KEY: values.web_key!, WEB_CA: values.web_ca!, WEB_CA_CHAIN: values.web_ca_chain! };
    const r = inspectStage(step, result, { ...out, VAULT_TOKEN: pkiToken });
    expect(r.env).toEqual({ values: out, error: null });
    expect(r.leaks).toEqual([]);
    expect(r.missingMasks).toEqual([]);
    // Every line of the key is registered before anything could print it, the token before them.
    const keyLines = out.WEB_KEY.split("\n").filter(Boolean);
    expect(r.registered).toEqual(expect.arrayContaining(keyLines));
    expect(r.registered.indexOf(pkiToken)).toBeLessThan(r.registered.indexOf(keyLines[1]!));

    // Vault's PEM: trimmed, the key in its type's own encoding (SEC 1 for EC).
    expect(out.WEB_CERT).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/);
    expect(out.WEB_KEY).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END EC PRIVATE KEY-----$/);
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(out.WEB_CERT);
    expect(cert.subject).toBe("CN=a.example.com");
    expect(cert.subjectAltName).toBe("DNS:a.example.com");
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true); // "this certificate was issued by the given one": names, key identifiers, the CA's keyCertSign
    expect(cert.checkPrivateKey(createPrivateKey(out.WEB_KEY))).toBe(true);
    const lifetime = Date.parse(cert.validTo) - Date.now();
    expect(lifetime).toBeGreaterThan(55 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
    expect(new X509Certificate(out.WEB_CA).fingerprint256).toBe(ca.fingerprint256);
    expect(new X509Certificate(out.WEB_CA_CHAIN).fingerprint256).toBe(ca.fingerprint256);
    expect(result.stdout).toMatch(/✔ Successfully generated certificate \(serial number [0-9a-f]{2}(?::[0-9a-f]{2})+\)/);
  });

  it("pki: a name the role does not allow: the step fails with Vault's error body, no output, nothing leaked", async () => {
    const { step, result } = await runAction({ method: "token", token: pkiToken, secrets: "", pki: 'pki/issue/web {"common_name":"www.evil.org"}' }, {}, debug);
    expect(result.status).not.toBe(0);
    const r = inspectStage(step, result, { VAULT_TOKEN: pkiToken });
    expect(r.leaks).toEqual([]);
    expect(r.env.values).toEqual({});
    expect(r.outputs.values).toEqual({ errorMessage: "Response code 400 (Bad Request)" }); // the action's own failure output
    // The action's core.error of the response body as the server sent it (json.Encoder's final newline, escaped by the toolkit).
    expect(result.stdout).toContain('::error::✘ {"errors":["common name www.evil.org not allowed by this role"]}%0A\n');
  });
});
