import { describe, expect, it } from "vitest";
import { childPolicies, sanitizePolicies } from "../../../src/auth/tokens/policies.js";
import { creationTtl, renewalTtl, SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL, ttlCappedWarning } from "../../../src/auth/tokens/ttl.js";
import { humanDuration } from "../../../src/util/go-duration.js";
import { displayNameFor } from "../../../src/auth/tokens/display-name.js";
import { generateAccessor, generateToken, hashToken, randomBase62 } from "../../../src/auth/tokens/format.js";

describe("token format (OpenBao internal/vault/token_store.go create/createAccessor)", () => {
  it("is hvs. + 24 base62 characters; the accessor 24 base62 characters", () => {
    expect(generateToken()).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(generateAccessor()).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(new Set(Array.from({ length: 50 }, generateToken)).size).toBe(50);
  });

  it("draws every base62 character (rejection sampling leaves no gap)", () => {
    expect(new Set(randomBase62(4000)).size).toBe(62);
  });

  it("stores sha256:<hex> of the token", () => {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    expect(hashToken("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("sanitizePolicies (sdk/helper/policyutil SanitizePolicies)", () => {
  it("lower-cases, trims, drops empties, dedupes and sorts; adds default when asked", () => {
    expect(sanitizePolicies([" Foo", "bar", "foo", ""], true)).toEqual(["bar", "default", "foo"]);
    expect(sanitizePolicies(["foo"], false)).toEqual(["foo"]);
  });
  it("keeps root alone, without default", () => {
    expect(sanitizePolicies(["foo", "root"], true)).toEqual(["root"]);
  });
});

describe("childPolicies (token_store.go resolveTokenPolicies)", () => {
  const parent = ["default", "dev", "ops"];
  it("inherits the parent's policies when none are asked", () => {
    expect(childPolicies(parent, { requested: [], sudo: false })).toEqual(["default", "dev", "ops"]);
  });
  it("allows a subset, adding default when the parent has it", () => {
    expect(childPolicies(parent, { requested: ["dev"], sudo: false })).toEqual(["default", "dev"]);
    expect(childPolicies(["dev"], { requested: ["dev"], sudo: false })).toEqual(["dev"]);
    expect(childPolicies(parent, { requested: ["dev"], sudo: false, noDefaultPolicy: true })).toEqual(["dev"]);
  });
  it("refuses a policy the parent lacks, with Vault's message", () => {
    expect(() => childPolicies(parent, { requested: ["admin"], sudo: false })).toThrow("child policies must be subset of parent");
    // default is not added to the parent's side for the comparison.
    expect(() => childPolicies(["dev"], { requested: ["dev", "default"], sudo: false })).toThrow("child policies must be subset of parent");
  });
  it("lets a creator with sudo grant any policy, default added", () => {
    expect(childPolicies(parent, { requested: ["admin"], sudo: true })).toEqual(["admin", "default"]);
  });
  it("makes a root child only from a root parent, sudo or not", () => {
    expect(() => childPolicies(parent, { requested: ["root"], sudo: true })).toThrow("root tokens may not be created without parent token being root");
    expect(childPolicies(["root"], { requested: ["root"], sudo: true })).toEqual(["root"]);
  });
  it("never assigns response-wrapping (policy_store.go NonAssignablePolicies)", () => {
    expect(() => childPolicies(["root"], { requested: ["response-wrapping"], sudo: true })).toThrow('cannot assign policy "response-wrapping"');
  });
});

describe("TTLs (sdk/framework/lease.go CalculateTTL)", () => {
  it("gives a non-root token the 768h default, capped by explicit_max_ttl and the system max", () => {
    expect(creationTtl({ ttl: 0, explicitMaxTtl: 0, root: false, parentExpires: false })).toBe(SYSTEM_DEFAULT_TTL);
    expect(creationTtl({ ttl: 3600, explicitMaxTtl: 600, root: false, parentExpires: false })).toBe(600);
    expect(creationTtl({ ttl: SYSTEM_MAX_TTL * 2, explicitMaxTtl: 0, root: false, parentExpires: false })).toBe(SYSTEM_MAX_TTL);
  });
  it("lets a root token live for ever, but not one made by an expiring parent", () => {
    expect(creationTtl({ ttl: 0, explicitMaxTtl: 0, root: true, parentExpires: false })).toBe(0);
    expect(creationTtl({ ttl: 0, explicitMaxTtl: 60, root: true, parentExpires: true })).toBe(60);
    expect(() => creationTtl({ ttl: 0, explicitMaxTtl: 0, root: true, parentExpires: true })).toThrow("expiring root tokens cannot create non-expiring root tokens");
  });
  it("renews to the increment, else the last TTL, capped at issue time + max TTL", () => {
    expect(renewalTtl({ increment: 100, currentTtl: 3600, explicitMaxTtl: 0, issueTime: 1000, now: 2000 })).toBe(100);
    expect(renewalTtl({ increment: 0, currentTtl: 3600, explicitMaxTtl: 0, issueTime: 1000, now: 2000 })).toBe(3600);
    expect(renewalTtl({ increment: 3600, currentTtl: 60, explicitMaxTtl: 1500, issueTime: 1000, now: 2000 })).toBe(500);
    expect(() => renewalTtl({ increment: 10, currentTtl: 60, explicitMaxTtl: 1000, issueTime: 1000, now: 2000 })).toThrow("past the max TTL, cannot renew");
  });
});

describe("display names (token_store.go handleCreateCommon)", () => {
  it("prefixes token-, replaces other characters by -, drops one trailing -", () => {
    expect(displayNameFor("ci_deploy.prod")).toBe("token-ci-deploy-prod");
    expect(displayNameFor("x.")).toBe("token-x");
    expect(displayNameFor(undefined)).toBe("token");
  });
});

describe("humanDuration and the capped-TTL warning (sdk/framework/lease.go)", () => {
  it("prints Go's Duration without its zero elements", () => {
    expect([0, 45, 120, 3600, 3605, 3723, SYSTEM_MAX_TTL].map(humanDuration)).toEqual(["0s", "45s", "2m", "1h", "1h5s", "1h2m3s", "768h"]);
  });
  it("warns only when the TTL was cut", () => {
    expect(ttlCappedWarning(7200, 3600)).toBe('TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly');
    expect(ttlCappedWarning(3600, 3600)).toBeNull();
  });
});
