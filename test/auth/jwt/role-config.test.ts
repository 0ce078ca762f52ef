import { describe, expect, it } from "vitest";
import { configFileText, configFromRequest, configReadData, parseConfigFile, parseRoleFile, roleFileText, roleFromRequest, roleReadData } from "../../../src/auth/jwt/index.js";
import { makeKey } from "../../helpers/jwt-issuer.js";
import { errorOf } from "../../helpers/errors.js";

const jwtRole = { role_type: "jwt", user_claim: "repository", bound_audiences: "https://github.com/acme", token_policies: "ci" };

describe("roleFromRequest (path_role.go pathRoleCreateUpdate)", () => {
  it("Vault's refusals, in its words", () => {
    const msg = (body: unknown) => errorOf(() => roleFromRequest(body, null, "create")).message;
    // role_type defaults to oidc, which needs redirect URIs.
    expect(msg({ user_claim: "sub", bound_subject: "x" })).toBe("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    expect(msg({ role_type: "jwt", user_claim: "sub" })).toBe("must have at least one bound constraint when creating/updating a role");
    expect(msg({ role_type: "jwt", bound_subject: "x" })).toBe("a user claim must be defined on the role");
    expect(msg({ role_type: "saml" })).toBe("invalid 'role_type': saml");
    expect(msg({ ...jwtRole, bound_claims_type: "regex" })).toBe("invalid 'bound_claims_type': regex");
    expect(msg({ ...jwtRole, bound_claims_type: "glob", bound_claims: { n: 3 } })).toBe("claim is not a string: 3");
    expect(msg({ ...jwtRole, claim_mappings: { a: "role" } })).toBe('metadata key "role" is reserved and may not be a mapping destination');
    expect(msg({ ...jwtRole, claim_mappings: { a: "x", b: "x" } })).toBe('multiple keys are mapped to metadata key "x"');
    expect(msg({ ...jwtRole, token_ttl: "2h", token_max_ttl: "1h" })).toBe("'token_ttl' cannot be greater than 'token_max_ttl'");
    expect(msg({ ...jwtRole, ttl: "2h", token_max_ttl: "1h" })).toBe("ttl should not be greater than max ttl");
    expect(msg({ ...jwtRole, token_ttl: "soon" })).toBe('Field validation failed: error converting input for field "token_ttl": time: invalid duration "soon"');
    expect(msg({ ...jwtRole, token_type: "weird" })).toBe("invalid 'token_type' value \"weird\"");
    expect(errorOf(() => roleFromRequest(jwtRole, null, "update")).kind).toBe("generic");
  });

  it("what this server cannot honour is refused, saying why", () => {
    const msg = (body: unknown) => errorOf(() => roleFromRequest(body, null, "create")).message;
    expect(msg({ ...jwtRole, role_type: "oidc", allowed_redirect_uris: "https://x/cb" })).toBe('role_type "oidc" is not supported by this server: it serves JWT login only (role_type "jwt")');
    expect(msg({ ...jwtRole, token_bound_cidrs: "10.0.0.0/8" })).toBe("token_bound_cidrs is not supported by this server: its tokens cannot be bound to addresses");
    expect(msg({ ...jwtRole, token_num_uses: 3 })).toBe("token_num_uses is not supported by this server: its tokens have no use count");
    expect(msg({ ...jwtRole, period: "1h" })).toBe("period is not supported by this server: it has no periodic tokens");
    expect(msg({ ...jwtRole, token_type: "batch" })).toBe("token_type batch is not supported by this server: every token it issues is a service token");
    // Zero values of those fields are fine (hvac sends some of them).
    expect(() => roleFromRequest({ ...jwtRole, token_bound_cidrs: [], token_num_uses: 0, token_period: 0, token_type: "default" }, null, "create")).not.toThrow();
  });

  it("the framework's types: comma strings, duration strings, key=value pairs, weak booleans", () => {
    const { role, warnings } = roleFromRequest(
      {
        ...jwtRole,
        bound_audiences: "a, b",
        token_policies: "ci,ops",
        token_ttl: "10m",
        token_max_ttl: 3600,
        clock_skew_leeway: "-1",
        claim_mappings: ["ref=ref", "repository=repo"],
        verbose_oidc_logging: "true",
      },
      null,
      "create",
    );
    expect(role).toMatchObject({ bound_audiences: ["a", "b"], token_policies: ["ci", "ops"], token_ttl: 600, token_max_ttl: 3600, clock_skew_leeway: -1, claim_mappings: { ref: "ref", repository: "repo" } });
    expect(warnings).toEqual(["verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses."]);
  });

  it("an update keeps the fields it does not send, but role_type and bound_claims_type fall back to their defaults (Vault's quirks)", () => {
    const first = roleFromRequest({ ...jwtRole, bound_claims_type: "glob", bound_claims: { sub: "repo:*" }, token_ttl: 60 }, null, "create").role;
    const second = roleFromRequest({ role_type: "jwt", token_ttl: 120 }, first, "update").role;
    expect(second).toMatchObject({ user_claim: "repository", bound_audiences: ["https://github.com/acme"], token_ttl: 120, bound_claims_type: "string", bound_claims: { sub: "repo:*" } });
    expect(errorOf(() => roleFromRequest({ token_ttl: 120 }, first, "update")).message).toBe("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  });

  it("the legacy `policies` sets token_policies too (sanitized), and reads back under both names", () => {
    const { role } = roleFromRequest({ role_type: "jwt", user_claim: "sub", bound_subject: "s", policies: "B, a" }, null, "create");
    expect(role.token_policies).toEqual(["a", "b"]);
    const data = roleReadData(role);
    expect(data.policies).toEqual(["a", "b"]);
    expect(data.token_policies).toEqual(["a", "b"]);
  });

  it("a read has every field Vault returns, nil lists and maps as null", () => {
    const { role } = roleFromRequest(jwtRole, null, "create");
    expect(roleReadData(role)).toEqual({
      role_type: "jwt",
      expiration_leeway: 0,
      not_before_leeway: 0,
      clock_skew_leeway: 0,
      bound_audiences: ["https://github.com/acme"],
      bound_subject: "",
      bound_claims_type: "string",
      bound_claims: null,
      claim_mappings: null,
      user_claim: "repository",
      user_claim_json_pointer: false,
      groups_claim: "",
      allowed_redirect_uris: null,
      oidc_scopes: null,
      verbose_oidc_logging: false,
      max_age: 0,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_period: 0,
      token_policies: ["ci"],
      token_type: "default",
      token_ttl: 0,
      token_num_uses: 0,
    });
  });

  it("the file a write produces reads back as the same role, and holds only what is set", () => {
    const { role } = roleFromRequest({ ...jwtRole, bound_claims_type: "glob", bound_claims: { sub: ["repo:acme/*", "x"] }, token_ttl: "5m" }, null, "create");
    const text = roleFileText(role, "auth/jwt/role/ci");
    expect(text).toBe(
      "# auth/jwt/role/ci: a JWT auth role (schemas/secrets-jwt-role.schema.json)\nrole_type: jwt\nbound_audiences:\n  - https://github.com/acme\nbound_claims_type: glob\nbound_claims:\n  sub:\n    - repo:acme/*\n    - x\nuser_claim: repository\ntoken_policies:\n  - ci\ntoken_ttl: 300\n",
    );
    expect(parseRoleFile(text, "r.yaml")).toEqual(role);
  });

  it("a hand-written file: durations as text, Vault's rules, unknown fields refused", () => {
    expect(parseRoleFile("user_claim: sub\nbound_subject: x\ntoken_ttl: 1h\n", "r.yaml")).toMatchObject({ role_type: "jwt", token_ttl: 3600 });
    expect(errorOf(() => parseRoleFile("user_claim: sub\n", "r.yaml")).message).toBe("r.yaml: must have at least one bound constraint when creating/updating a role");
    const e = errorOf(() => parseRoleFile("user_claim: sub\nbound_subject: x\ntoken_bound_cidrs: [10.0.0.0/8]\n", "r.yaml"));
    expect(e.kind).toBe("config");
    expect(e.message).toMatch(/^r\.yaml: /);
  });
});

describe("configFromRequest (path_config.go pathConfigWrite)", () => {
  it("Vault's refusals", async () => {
    const msg = (body: unknown) => errorOf(() => configFromRequest(body, null)).message;
    expect(msg({ bound_issuer: "x" })).toBe("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
    expect(msg({ jwks_url: "https://a", oidc_discovery_url: "https://b" })).toBe("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
    expect(msg({ jwt_validation_pubkeys: "not a pem" })).toBe("error parsing public key: data does not contain any valid public keys");
    const k = await makeKey();
    expect(msg({ jwt_validation_pubkeys: [k.publicPem], jwt_supported_algs: "HS256" })).toBe('invalid jwt_supported_algs: unsupported signing algorithm "HS256"');
    expect(msg({ jwks_url: "https://a", oidc_response_mode: "fragment" })).toBe('invalid response_mode: "fragment"');
    expect(msg({ jwks_url: "https://a", jwks_ca_pem: "garbage" })).toBe("error checking jwks_ca_pem");
  });

  it("the OIDC browser flow's client secret, jwks_pairs and provider_config are refused, saying why", () => {
    expect(errorOf(() => configFromRequest({ oidc_discovery_url: "https://x", oidc_client_id: "id", oidc_client_secret: "s3cret-value" }, null)).message).toBe(
      'oidc_client_id and oidc_client_secret are for the OIDC browser login, which this server does not have; JWT login (role_type "jwt") needs neither',
    );
    expect(errorOf(() => configFromRequest({ jwks_pairs: [{ jwks_url: "https://x" }] }, null)).message).toBe("jwks_pairs is not supported by this server; use jwks_url");
  });

  it("a write replaces the configuration (namespace_in_state kept); the read has Vault's fields; the file round-trips", () => {
    const first = configFromRequest({ jwks_url: "https://token.actions.githubusercontent.com/.well-known/jwks", bound_issuer: "https://token.actions.githubusercontent.com", default_role: "CI", namespace_in_state: false }, null);
    const second = configFromRequest({ oidc_discovery_url: "https://token.actions.githubusercontent.com" }, first);
    expect(second).toMatchObject({ jwks_url: "", bound_issuer: "", default_role: "", namespace_in_state: false });
    expect(configReadData(first)).toEqual({
      oidc_discovery_url: "",
      oidc_discovery_ca_pem: "",
      oidc_client_id: "",
      oidc_response_mode: "",
      oidc_response_types: [],
      default_role: "ci",
      jwt_validation_pubkeys: [],
      jwt_supported_algs: [],
      jwks_url: "https://token.actions.githubusercontent.com/.well-known/jwks",
      jwks_pairs: [],
      jwks_ca_pem: "",
      bound_issuer: "https://token.actions.githubusercontent.com",
      provider_config: {},
      namespace_in_state: false,
      unsupported_critical_cert_extensions: [],
    });
    const text = configFileText(first, "auth/jwt/");
    expect(text).toBe(
      "# auth/jwt/config: the JWT auth method's configuration (schemas/secrets-jwt-config.schema.json)\njwks_url: https://token.actions.githubusercontent.com/.well-known/jwks\nbound_issuer: https://token.actions.githubusercontent.com\ndefault_role: ci\nnamespace_in_state: false\n",
    );
    expect(parseConfigFile(text, "c.yaml")).toEqual(first);
    expect(errorOf(() => parseConfigFile("oidc_client_secret: x\njwks_url: https://a\n", "c.yaml")).kind).toBe("config");
  });
});
