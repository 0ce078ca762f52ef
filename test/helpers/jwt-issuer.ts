/**
 * A local OIDC issuer for tests: key pairs made with `jose`, JWTs signed with them, and a loopback
 * HTTP server answering what a real issuer (GitHub's `token.actions.githubusercontent.com`) and a
 * GitHub runner answer:
 * - `/.well-known/openid-configuration` (`issuer` = the server's URL, `jwks_uri`);
 * - `/.well-known/jwks` (the current keys; `rotate()` replaces them);
 * - `/id-token?api-version=2.0&audience=…` with `Authorization: Bearer <request token>`: the
 *   runner's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), answering `{"value": "<jwt>"}` with a
 *   JWT for the requested audience and GitHub's claims.
 * Every request is counted by path, so that tests can see what the server under test fetched.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function makeKey(alg = "RS256", kid = `k-${Math.random().toString(36).slice(2, 10)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** A signed JWT with `claims` (iat/nbf/exp default to now, now, now + 5 min). */
export async function sign(key: SigningKey, claims: JWTPayload, opts: { now?: number; header?: Record<string, unknown>; noKid?: boolean } = {}): Promise<string> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { iat: now, nbf: now, exp: now + 300, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, typ: "JWT", ...(opts.noKid ? {} : { kid: key.kid }), ...(opts.header ?? {}) }).sign(key.privateKey);
}

/** GitHub Actions' OIDC claims for a push to main of acme/app (docs: "Understanding the OIDC token"). */
export function githubClaims(issuer: string, audience: string, overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    iss: issuer,
    aud: audience,
    sub: "repo:acme/app:ref:refs/heads/main",
    repository: "acme/app",
    repository_owner: "acme",
    ref: "refs/heads/main",
    ref_type: "branch",
    workflow: "deploy",
    event_name: "push",
    actor: "octocat",
    job_workflow_ref: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
    environment: "production",
    ...overrides,
  };
}

export interface LocalIssuer {
  url: string;
  keys: SigningKey[];
  /** The bearer token the ID-token endpoint requires. */
  requestToken: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL, with its `?api-version=2.0` as the runner gives it. */
  idTokenUrl: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  /** Claims the ID-token endpoint adds or overrides. */
  claimOverrides: Record<string, unknown>;
  /** Every JWT the ID-token endpoint handed out (secrets a leak check looks for). */
  issued: string[];
  rotate(key: SigningKey): void;
  close(): Promise<void>;
}

export async function startIssuer(initial?: SigningKey): Promise<LocalIssuer> {
  const issuer: LocalIssuer = {
    url: "",
    keys: [initial ?? (await makeKey())],
    requestToken: `req-${Math.random().toString(36).slice(2)}`,
    idTokenUrl: "",
    hits: new Map(),
    claimOverrides: {},
    issued: [],
    rotate(key) {
      issuer.keys = [key];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    issuer.hits.set(u.pathname, (issuer.hits.get(u.pathname) ?? 0) + 1);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    };
    if (u.pathname === "/.well-known/openid-configuration") return json(200, { issuer: issuer.url, jwks_uri: `${issuer.url}/.well-known/jwks`, id_token_signing_alg_values_supported: ["RS256"] });
    if (u.pathname === "/.well-known/jwks") return json(200, { keys: issuer.keys.map((k) => k.publicJwk) });
    if (u.pathname === "/id-token") {
      if (req.headers.authorization !== `Bearer ${issuer.requestToken}`) return json(401, { message: "bad request token" });
      const audience = u.searchParams.get("audience") ?? "https://github.com/acme";
      void sign(issuer.keys[0]!, githubClaims(issuer.url, audience, issuer.claimOverrides)).then((value) => {
        issuer.issued.push(value);
        json(200, { count: 1, value });
      });
      return;
    }
    json(404, { message: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  issuer.url = `http://127.0.0.1:${port}`;
  issuer.idTokenUrl = `${issuer.url}/id-token?api-version=2.0`;
  return issuer;
}
