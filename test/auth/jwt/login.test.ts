import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkConfig, emptyRole, httpGet, JwtKeySets, jwtLogin, loginToken, type JwtConfig, type JwtRole } from "../../../src/auth/jwt/index.js";
import { humanDuration } from "../../../src/util/go-duration.js";
import { glob } from "../../../src/auth/jwt/claims.js";
import { configFromRequest } from "../../../src/auth/jwt/config.js";
import { makeKey, sign, startIssuer, type LocalIssuer, type SigningKey } from "../../helpers/jwt-issuer.js";
import { rejectionOf } from "../../helpers/errors.js";

const ISS = "https://token.actions.githubusercontent.com";
const AUD = "https://github.com/acme";

let key: SigningKey;
let other: SigningKey;

beforeAll(async () => {
  key = await makeKey("RS256");
  other = await makeKey("RS256");
});

function pubkeyConfig(over: Partial<JwtConfig> = {}): JwtConfig {
  return { ...configFromRequest({ jwt_validation_pubkeys: [key.publicPem], bound_issuer: ISS }, null), ...over };
}

function ciRole(over: Partial<JwtRole> = {}): JwtRole {
  return {
    ...emptyRole(),
    role_type: "jwt",
    user_claim: "repository",
    bound_audiences: [AUD],
    bound_claims_type: "glob",
    bound_claims: { sub: "repo:acme/app:ref:refs/heads/*" },
    claim_mappings: { repository: "repo", ref: "ref" },
    token_policies: ["ci-read"],
    token_ttl: 600,
    ...over,
  };
}

const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISS,
  aud: AUD,
  sub: "repo:acme/app:ref:refs/heads/main",
  repository: "acme/app",
  ref: "refs/heads/main",
  ...over,
});

/** The login with `jwt` against the role (named `ci`) and configuration given; rejects with the Vault message. */
function login(jwt: string | undefined, opts: { config?: JwtConfig | null; role?: JwtRole | null; roleName?: string; keys?: JwtKeySets; now?: number } = {}) {
  const role = opts.role === undefined ? ciRole() : opts.role;
  return jwtLogin(
    { role: opts.roleName ?? "ci", ...(jwt === undefined ? {} : { jwt }) },
    {
      config: opts.config === undefined ? pubkeyConfig() : opts.config,
      role: (name) => Promise.resolve(name === "ci" ? role : null),
      keys: opts.keys ?? new JwtKeySets(httpGet),
      now: opts.now ?? Date.now(),
    },
  );
}

async function loginError(jwt: string | undefined, opts: Parameters<typeof login>[1] = {}): Promise<string> {
  return (await rejectionOf(login(jwt, opts))).message;
}

describe("jwtLogin with jwt_validation_pubkeys", () => {
  it("a valid token logs in: the user claim, the claim mappings and the role as metadata, the role's token parameters", async () => {
    const result = await login(await sign(key, claims()));
    expect(result).toEqual({
      role: "ci",
      alias: "acme/app",
      metadata: { repo: "acme/app", ref: "refs/heads/main", role: "ci" },
      tokenPolicies: ["ci-read"],
      noDefaultPolicy: false,
      ttl: 600,
      maxTtl: 0,
      explicitMaxTtl: 0,
    });
  });

  it("a token signed by another key: Vault's signature error", async () => {
    expect(await loginError(await sign(other, claims()))).toBe("error validating token: error verifying token signature: no known key successfully validated the token signature");
  });

  it("a tampered payload fails the signature", async () => {
    const [h, , s] = (await sign(key, claims())).split(".");
    const forged = Buffer.from(JSON.stringify(claims({ repository: "evil/app" }))).toString("base64url");
    expect(await loginError(`${h}.${forged}.${s}`)).toBe("error validating token: error verifying token signature: no known key successfully validated the token signature");
  });

  it("HS256 with the public key as the secret (algorithm confusion) and alg none never verify", async () => {
    const hs = await new SignJWT(claims({ iat: Math.floor(Date.now() / 1000) })).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key.publicPem));
    expect(await loginError(hs)).toBe("error validating token: error verifying token signature: no known key successfully validated the token signature");
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims({ iat: Math.floor(Date.now() / 1000) }))).toString("base64url")}.`;
    expect(await loginError(none)).toBe("error validating token: error verifying token signature: no known key successfully validated the token signature");
  });

  it("a malformed token", async () => {
    expect(await loginError("not-a-jwt")).toBe("error validating token: error verifying token signature: go-jose/go-jose: compact JWS format must have three parts");
  });

  it("expired, beyond the 60 s clock skew leeway; inside it still valid", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await loginError(await sign(key, claims({ iat: now - 600, nbf: now - 600, exp: now - 61 })))).toBe("error validating token: invalid expiration time (exp) claim: token is expired");
    await expect(login(await sign(key, claims({ iat: now - 600, nbf: now - 600, exp: now - 30 })))).resolves.toMatchObject({ alias: "acme/app" });
    // clock_skew_leeway -1: no leeway at all.
    expect(await loginError(await sign(key, claims({ iat: now - 600, nbf: now - 600, exp: now - 30 })), { role: ciRole({ clock_skew_leeway: -1 }) })).toBe(
      "error validating token: invalid expiration time (exp) claim: token is expired",
    );
  });

  it("not yet valid, and issued in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await loginError(await sign(key, claims({ iat: now, nbf: now + 120, exp: now + 600 })))).toBe("error validating token: invalid not before (nbf) claim: token not yet valid");
    expect(await loginError(await sign(key, claims({ iat: now + 120, nbf: now, exp: now + 600 })))).toBe("error validating token: invalid issued at (iat) claim: token issued in the future");
  });

  it("no time claim at all; a missing exp is derived from iat plus the expiration leeway", async () => {
    expect(await loginError(await sign(key, claims({ iat: undefined, nbf: undefined, exp: undefined })))).toBe(
      "error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token",
    );
    const now = Math.floor(Date.now() / 1000);
    // exp = iat + 150 (the default leeway), then the 60 s skew: 200 s ago is still valid, 300 s ago is not.
    await expect(login(await sign(key, claims({ iat: now - 200, nbf: undefined, exp: undefined })))).resolves.toBeDefined();
    expect(await loginError(await sign(key, claims({ iat: now - 300, nbf: undefined, exp: undefined })))).toBe("error validating token: invalid expiration time (exp) claim: token is expired");
  });

  it("wrong audience; an audience when the role binds none", async () => {
    expect(await loginError(await sign(key, claims({ aud: "https://github.com/other" })))).toBe(
      "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
    );
    await expect(login(await sign(key, claims({ aud: ["x", AUD] })))).resolves.toBeDefined();
    expect(await loginError(await sign(key, claims()), { role: ciRole({ bound_audiences: null }) })).toBe("audience claim found in JWT but no audiences bound to the role");
  });

  it("wrong issuer, wrong subject, an aud that is not a string or list", async () => {
    expect(await loginError(await sign(key, claims({ iss: "https://evil" })))).toBe("error validating token: invalid issuer (iss) claim");
    expect(await loginError(await sign(key, claims()), { role: ciRole({ bound_subject: "repo:acme/app:ref:refs/heads/prod" }) })).toBe("error validating token: invalid subject (sub) claim");
    expect(await loginError(await sign(key, claims({ aud: 42 })))).toBe("error validating token: go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience");
    expect(await loginError(await sign(key, claims({ iss: 7 })))).toBe("error validating token: json: cannot unmarshal number into Go struct field Claims.iss of type string");
  });

  it("a claim that folds to a registered one is refused", async () => {
    expect(await loginError(await sign(key, claims({ ſub: "repo:acme/app:ref:refs/heads/main" })))).toBe(
      'error validating token: ambiguous claim: key "ſub" collides with registered claim "sub" under case folding',
    );
  });

  it("an algorithm outside jwt_supported_algs", async () => {
    expect(await loginError(await sign(key, claims()), { config: pubkeyConfig({ jwt_supported_algs: ["ES256"] }) })).toBe(
      "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm",
    );
  });

  it("ES256 and EdDSA keys verify", async () => {
    for (const alg of ["ES256", "EdDSA"]) {
      const k = await makeKey(alg);
      await expect(login(await sign(k, claims()), { config: pubkeyConfig({ jwt_validation_pubkeys: [k.publicPem] }) })).resolves.toMatchObject({ alias: "acme/app" });
    }
  });

  it("bound_claims, glob: a matching branch logs in, another does not", async () => {
    expect(await loginError(await sign(key, claims({ sub: "repo:acme/app:pull_request" })))).toBe('error validating claims: claim "sub" does not match any associated bound claim values');
    expect(await loginError(await sign(key, claims({ sub: "repo:acme/other:ref:refs/heads/main" })))).toBe('error validating claims: claim "sub" does not match any associated bound claim values');
    const role = ciRole({ bound_claims: { environment: ["staging", "prod*"], "/nested/team": "ops" } });
    await expect(login(await sign(key, claims({ environment: "production", nested: { team: "ops" } })), { role })).resolves.toBeDefined();
    expect(await loginError(await sign(key, claims({ environment: "production" })), { role })).toBe('error validating claims: claim "/nested/team" is missing');
  });

  it("bound_claims, string: exact values; a list claim matches on any element; numbers by their integer", async () => {
    const role = ciRole({ bound_claims_type: "string", bound_claims: { sub: "repo:acme/app:ref:refs/heads/*" } });
    expect(await loginError(await sign(key, claims()), { role })).toBe('error validating claims: claim "sub" does not match any associated bound claim values');
    const listRole = ciRole({ bound_claims_type: "string", bound_claims: { groups: "admins", run: 42, ok: true } });
    await expect(login(await sign(key, claims({ groups: ["devs", "admins"], run: 42.7, ok: true })), { role: listRole })).resolves.toBeDefined();
    expect(await loginError(await sign(key, claims({ groups: ["devs"], run: 42, ok: true })), { role: listRole })).toBe(
      'error validating claims: claim "groups" does not match any associated bound claim values',
    );
  });

  it("the user claim must be there and be a string; a mapped claim must be a string", async () => {
    expect(await loginError(await sign(key, claims({ repository: undefined })))).toBe('claim "repository" not found in token');
    expect(await loginError(await sign(key, claims({ repository: 3 })))).toBe('claim "repository" could not be converted to string');
    expect(await loginError(await sign(key, claims({ ref: ["a"] })))).toBe("error converting claim 'ref' to string");
    const pointer = ciRole({ user_claim: "/who/name", user_claim_json_pointer: true });
    await expect(login(await sign(key, claims({ who: { name: "bob" } })), { role: pointer })).resolves.toMatchObject({ alias: "bob" });
  });

  it("the role: missing, the default role, an oidc role; the token: missing; no configuration", async () => {
    const jwt = await sign(key, claims());
    expect(await loginError(jwt, { roleName: "nope" })).toBe('role "nope" could not be found');
    expect(await loginError(jwt, { roleName: "" })).toBe("missing role");
    await expect(login(jwt, { roleName: "", config: pubkeyConfig({ default_role: "ci" }) })).resolves.toMatchObject({ role: "ci" });
    await expect(login(jwt, { roleName: "CI" })).resolves.toMatchObject({ role: "ci" });
    expect(await loginError(jwt, { role: ciRole({ role_type: "oidc" }) })).toBe("role with oidc role_type is not allowed");
    expect(await loginError(undefined)).toBe("missing token");
    expect(await loginError(jwt, { config: null })).toBe("could not load configuration");
  });
});

describe("jwtLogin with jwks_url and oidc_discovery_url", () => {
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startIssuer(key);
  });
  afterAll(() => issuer.close());

  it("jwks_url: keys fetched once and cached; a rotated key (new kid) is fetched again", async () => {
    const config = configFromRequest({ jwks_url: `${issuer.url}/.well-known/jwks`, bound_issuer: issuer.url }, null);
    const keys = new JwtKeySets(httpGet);
    const before = issuer.hits.get("/.well-known/jwks") ?? 0;
    for (let i = 0; i < 3; i++) await expect(login(await sign(key, claims({ iss: issuer.url })), { config, keys })).resolves.toMatchObject({ alias: "acme/app" });
    expect((issuer.hits.get("/.well-known/jwks") ?? 0) - before).toBe(1);
    const next = await makeKey("RS256");
    issuer.rotate(next);
    await expect(login(await sign(next, claims({ iss: issuer.url })), { config, keys })).resolves.toBeDefined();
    expect((issuer.hits.get("/.well-known/jwks") ?? 0) - before).toBe(2);
    // The old key is gone from the set: its tokens no longer verify.
    expect(await loginError(await sign(key, claims({ iss: issuer.url })), { config, keys })).toBe("error validating token: error verifying token signature: failed to verify id token signature");
    issuer.rotate(key);
  });

  it("jwks_url unreachable: the fetch error", async () => {
    const config = configFromRequest({ jwks_url: "http://127.0.0.1:9/jwks" }, null);
    const message = await loginError(await sign(key, claims()), { config, role: ciRole() });
    expect(message).toMatch(/^error validating token: error verifying token signature: fetching keys oidc: get keys failed Get "http:\/\/127\.0\.0\.1:9\/jwks": /);
  });

  it("oidc_discovery_url: the document's jwks_uri gives the keys", async () => {
    const config = configFromRequest({ oidc_discovery_url: issuer.url, bound_issuer: issuer.url }, null);
    await expect(login(await sign(key, claims({ iss: issuer.url })), { config })).resolves.toMatchObject({ alias: "acme/app" });
  });

  it("oidc_discovery_url whose document names another issuer", async () => {
    const config = configFromRequest({ oidc_discovery_url: `${issuer.url}/` }, null);
    expect(await loginError(await sign(key, claims()), { config })).toBe(
      `error configuring token validator: keyset configuration error: issuer did not match the returned issuer, expected "${issuer.url}/" got "${issuer.url}"`,
    );
  });
});

describe("loginToken", () => {
  const base = { role: "ci", alias: "acme/app", metadata: { role: "ci" }, tokenPolicies: ["CI-Read", "ops"], noDefaultPolicy: false, ttl: 0, maxTtl: 0, explicitMaxTtl: 0 };

  it("display name `<mount>-<user claim>`, policies sanitized with default, the 768h default TTL", () => {
    expect(loginToken(base, "jwt/")).toEqual({ displayName: "jwt-acme/app", policies: ["ci-read", "default", "ops"], noDefaultPolicy: false, ttl: 768 * 3600, explicitMaxTtl: 0, metadata: { role: "ci" }, warnings: [] });
    expect(loginToken(base, "jwt/github/").displayName).toBe("jwt-github-acme/app");
    expect(loginToken({ ...base, noDefaultPolicy: true }, "jwt/").policies).toEqual(["ci-read", "ops"]);
  });

  it("a TTL above token_max_ttl is capped, with Vault's warning; the renewal cap is the smaller max", () => {
    const t = loginToken({ ...base, ttl: 7200, maxTtl: 3600, explicitMaxTtl: 5400 }, "jwt/");
    expect(t.ttl).toBe(3600);
    expect(t.explicitMaxTtl).toBe(3600);
    expect(t.warnings).toEqual(['TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly']);
  });

  it("an auth method never issues a root token", () => {
    expect(() => loginToken({ ...base, tokenPolicies: ["root"] }, "jwt/")).toThrow("auth methods cannot create root tokens");
  });

  it("humanDuration", () => {
    expect([0, 45, 90, 3600, 3605, 5400, 768 * 3600].map(humanDuration)).toEqual(["0s", "45s", "1m30s", "1h", "1h5s", "1h30m", "768h"]);
  });
});

describe("glob (ryanuber/go-glob)", () => {
  it.each([
    ["*", "anything", true],
    ["", "", true],
    ["", "x", false],
    ["abc", "abc", true],
    ["abc", "abcd", false],
    ["repo:acme/*", "repo:acme/app", true],
    ["repo:acme/*", "repo:acme2/app", false],
    ["*:ref:refs/heads/main", "repo:acme/app:ref:refs/heads/main", true],
    ["repo:*:ref:*", "repo:a:ref:b", true],
    ["repo:*:ref:*", "repo:a:pull", false],
    ["a*b*c", "axxbyyc", true],
    ["a*b*c", "axxcyyb", false],
    ["a?c", "abc", false],
  ])("Glob(%j, %j) = %s", (pattern, subject, want) => {
    expect(glob(pattern, subject)).toBe(want);
  });
});

describe("checkConfig", () => {
  it("exactly one key source", () => {
    expect(() => checkConfig(configFromRequest({}, null))).toThrow("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
  });
});
