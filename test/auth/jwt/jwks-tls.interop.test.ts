import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkConfigReachable, configFromRequest, emptyRole, httpGet, JwtKeySets, jwtLogin, type JwtConfig } from "../../../src/auth/jwt/index.js";
import { makeKey, sign, type SigningKey } from "../../helpers/jwt-issuer.js";
import { rejectionOf } from "../../helpers/errors.js";

/**
 * A JWKS and a discovery document served over TLS with a certificate no system CA signed (made
 * with OpenSSL for 127.0.0.1): trusted through `jwks_ca_pem` / `oidc_discovery_ca_pem`, refused
 * without them.
 */

let dir: string;
let cert: string;
let server: https.Server;
let url: string;
let key: SigningKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jwks-tls-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    { stdio: "ignore" },
  );
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  key = await makeKey("ES256");
  server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
    const body = req.url === "/.well-known/openid-configuration" ? { issuer: url, jwks_uri: `${url}/jwks` } : { keys: [key.publicJwk] };
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const role = { ...emptyRole(), user_claim: "sub", bound_subject: "ci" };
const login = async (config: JwtConfig) => jwtLogin({ role: "r", jwt: await sign(key, { sub: "ci" }) }, { config, role: () => Promise.resolve(role), keys: new JwtKeySets(httpGet), now: Date.now() });

describe("JWKS and discovery over TLS with a private CA", () => {
  it("jwks_ca_pem trusts the key server; without it the write is refused and a login fails on the certificate", async () => {
    const trusted = configFromRequest({ jwks_url: `${url}/jwks`, jwks_ca_pem: cert }, null);
    await checkConfigReachable(trusted, httpGet);
    await expect(login(trusted)).resolves.toMatchObject({ alias: "ci" });
    const untrusted = configFromRequest({ jwks_url: `${url}/jwks` }, null);
    expect((await rejectionOf(checkConfigReachable(untrusted, httpGet))).message).toBe(`error checking jwks URL ${url}/jwks`);
    expect((await rejectionOf(login(untrusted))).message).toMatch(/^error validating token: error verifying token signature: fetching keys oidc: get keys failed Get ".*": self[- ]signed certificate/);
  });

  it("oidc_discovery_ca_pem trusts the discovery document and its jwks_uri", async () => {
    const trusted = configFromRequest({ oidc_discovery_url: url, oidc_discovery_ca_pem: cert }, null);
    await checkConfigReachable(trusted, httpGet);
    await expect(login(trusted)).resolves.toMatchObject({ alias: "ci" });
    expect((await rejectionOf(checkConfigReachable(configFromRequest({ oidc_discovery_url: url }, null), httpGet))).message).toBe("error checking oidc discovery URL");
  });
});
