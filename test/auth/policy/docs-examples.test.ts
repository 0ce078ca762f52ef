// Expectations from Vault's policy documentation (website/content/docs/concepts/policies.mdx:
// "Policy syntax", the `+` examples, "Priority matching", "Capabilities") and from acl.go's
// priority comments, plus a path × policy × capabilities table.
import { describe, expect, it } from "vitest";
import { compileAcl, defaultPolicy, parsePolicy, type Acl } from "../../../src/auth/policy/index.js";

async function acl(...texts: string[]): Promise<Acl> {
  return compileAcl(await Promise.all(texts.map((t, i) => parsePolicy(`p${i}`, t))));
}

describe("docs: policy syntax", () => {
  it("the JSON form: secret/foo read, nothing else (deny by default)", async () => {
    const a = await acl('{ "path": { "secret/foo": { "capabilities": ["read"] } } }');
    expect(a.allows("read", "secret/foo").allowed).toBe(true);
    expect(a.allows("update", "secret/foo").allowed).toBe(false);
    expect(a.allows("delete", "secret/foo").allowed).toBe(false);
    expect(a.capabilities("secret/bar")).toEqual(["deny"]);
  });

  it("the detailed policy: secret/* all, secret/super-secret denied, secret/restricted parameters", async () => {
    const a = await acl(`
path "secret/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "secret/super-secret" { capabilities = ["deny"] }
path "secret/restricted" {
  capabilities = ["create"]
  allowed_parameters = {
    "foo" = []
    "bar" = ["zip", "zap"]
  }
}`);
    expect(a.allows("read", "secret/anything").allowed).toBe(true);
    expect(a.allows("read", "secret/super-secret").allowed).toBe(false);
    expect(a.capabilities("secret/super-secret")).toEqual(["deny"]);
    expect(a.allows("create", "secret/restricted", { foo: "anything", bar: "zip" }).allowed).toBe(true);
    expect(a.allows("create", "secret/restricted", { bar: "zap" }).allowed).toBe(true);
    expect(a.allows("create", "secret/restricted", { bar: "other" }).allowed).toBe(false);
    expect(a.allows("create", "secret/restricted", { baz: "x" }).allowed).toBe(false);
  });

  it.each([
    // "Permit reading only secret/foo. an attached token cannot read secret/food or secret/foo/bar."
    ['path "secret/foo" { capabilities = ["read"] }', "secret/foo", true],
    ['path "secret/foo" { capabilities = ["read"] }', "secret/food", false],
    ['path "secret/foo" { capabilities = ["read"] }', "secret/foo/bar", false],
    // "could read secret/bar/zip, secret/bar/zip/zap, but not secret/bars/zip."
    ['path "secret/bar/*" { capabilities = ["read"] }', "secret/bar/zip", true],
    ['path "secret/bar/*" { capabilities = ["read"] }', "secret/bar/zip/zap", true],
    ['path "secret/bar/*" { capabilities = ["read"] }', "secret/bars/zip", false],
    // "could read secret/zip-zap or secret/zip-zap/zong, but not secret/zip/zap"
    ['path "secret/zip-*" { capabilities = ["read"] }', "secret/zip-zap", true],
    ['path "secret/zip-*" { capabilities = ["read"] }', "secret/zip-zap/zong", true],
    ['path "secret/zip-*" { capabilities = ["read"] }', "secret/zip/zap", false],
    // "if you define a policy for secret/foo*, the policy would also match secret/foobar"
    ['path "secret/foo*" { capabilities = ["read"] }', "secret/foobar", true],
    // `+`: "the teamb path under any top-level path under secret/"
    ['path "secret/+/teamb" { capabilities = ["read"] }', "secret/foo/teamb", true],
    ['path "secret/+/teamb" { capabilities = ["read"] }', "secret/foo/bar/teamb", false],
    // "Permit reading secret/foo/bar/teamb, secret/bar/foo/teamb, etc."
    ['path "secret/+/+/teamb" { capabilities = ["read"] }', "secret/foo/bar/teamb", true],
    ['path "secret/+/+/teamb" { capabilities = ["read"] }', "secret/bar/foo/teamb", true],
    ['path "secret/+/+/teamb" { capabilities = ["read"] }', "secret/foo/teamb", false],
  ])("%s: read %s → %s", async (text, path, allowed) => {
    expect((await acl(text)).allows("read", path).allowed).toBe(allowed);
  });
});

describe("docs: priority matching, one test per rule", () => {
  // Each pair: [lower-priority rule, higher-priority rule, a path both match]; the lower one
  // grants read, the higher one update.
  it.each([
    // 1. the first wildcard or glob occurs earlier → lower (acl.go: prefer foo/a* over foo/+,
    //    foo/bar/+/baz over foo/+/bar/baz)
    ["1", "foo/+", "foo/a*", "foo/ab"],
    ["1", "foo/+/bar/baz", "foo/bar/+/baz", "foo/bar/bar/baz"],
    // 2. ends in * and the other does not → lower (prefer foo/+/bar over foo/+/ba*, foo/+ over foo/*)
    ["2", "foo/+/ba*", "foo/+/bar", "foo/x/bar"],
    ["2", "foo/*", "foo/+", "foo/x"],
    // 3. more + segments → lower (the docs' example: secret/+/+/foo/* is lower than secret/*)
    ["3", "secret/+/+/foo/*", "secret/*", "secret/a/b/foo/c"],
    // 4. shorter → lower (prefer foo/+/bar/ba* over foo/+/bar/b*)
    ["4", "foo/+/bar/b*", "foo/+/bar/ba*", "foo/x/bar/baz"],
    // 5. smaller lexicographically → lower ('+' sorts before 'a')
    ["5", "+/+/b", "+/a/+", "x/a/b"],
  ])("rule %s: %s loses to %s on %s", async (_rule, lower, higher, path) => {
    const forward = await acl(`path "${lower}" { capabilities = ["read"] }\npath "${higher}" { capabilities = ["update"] }`);
    expect(forward.capabilities(path)).toEqual(["update"]);
    // Order in the text does not matter, nor which policy a rule comes from.
    const split = await acl(`path "${higher}" { capabilities = ["update"] }`, `path "${lower}" { capabilities = ["read"] }`);
    expect(split.capabilities(path)).toEqual(["update"]);
  });

  it("an exact rule beats every wildcard rule", async () => {
    const a = await acl('path "secret/*" { capabilities = ["read"] }\npath "secret/+" { capabilities = ["list"] }\npath "secret/foo" { capabilities = ["update"] }');
    expect(a.capabilities("secret/foo")).toEqual(["update"]);
  });

  it("the same pattern in several policies: capabilities unioned; different patterns: only the best", async () => {
    expect((await acl('path "secret/foo" { capabilities = ["read"] }', 'path "secret/foo" { capabilities = ["update"] }')).capabilities("secret/foo")).toEqual(["read", "update"]);
    // secret/foo (exact) and secret/foo* (prefix) are different patterns: not merged.
    expect((await acl('path "secret/foo" { capabilities = ["read"] }', 'path "secret/foo*" { capabilities = ["update"] }')).capabilities("secret/foo")).toEqual(["read"]);
    // deny from any policy wins on the same pattern, whatever the order.
    expect((await acl('path "secret/foo" { capabilities = ["deny"] }', 'path "secret/foo" { capabilities = ["read"] }')).capabilities("secret/foo")).toEqual(["deny"]);
    expect((await acl('path "secret/foo" { capabilities = ["read"] }', 'path "secret/foo" { capabilities = ["deny"] }')).allows("read", "secret/foo").allowed).toBe(false);
  });

  it("'+*' is refused; a bare '+' rule matches one segment", async () => {
    await expect(parsePolicy("p", 'path "secret/+*" { capabilities = ["read"] }')).rejects.toThrow(
      `failed to parse policy: path "secret/+*": invalid use of wildcards ('+*' is forbidden)`,
    );
    const a = await acl('path "+" { capabilities = ["read"] }');
    expect(a.allows("read", "secret").allowed).toBe(true);
    expect(a.allows("read", "secret/foo").allowed).toBe(false);
  });
});

describe("list operations (vault/acl.go: the path without its trailing slash is tried first)", () => {
  it("a rule without the trailing slash allows LIST of path/", async () => {
    expect((await acl('path "secret/metadata/app" { capabilities = ["list"] }')).allows("list", "secret/metadata/app/").allowed).toBe(true);
    // VAULT-3825 (hashicorp/vault#23874): the same for a + rule.
    expect((await acl('path "+/sys/policies/acl" { capabilities = ["list"] }')).allows("list", "ns/sys/policies/acl/").allowed).toBe(true);
    expect((await acl('path "secret/metadata/app" { capabilities = ["read"] }')).allows("read", "secret/metadata/app/").allowed).toBe(false);
  });
});

describe("capabilities (sys/capabilities-self)", () => {
  const policyA = `
path "secret/*" { capabilities = ["read", "list"] }
path "secret/app/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "secret/app/admin" { capabilities = ["deny"] }
path "sys/policies/acl/*" { capabilities = ["create", "update", "sudo"] }
path "secret/+/config" { capabilities = ["read"] }
`;
  it.each([
    ["secret/foo", ["read", "list"]],
    ["secret/app/db", ["read", "list", "update", "delete", "create", "patch"]],
    ["secret/app/admin", ["deny"]],
    // Priority rule 1: the prefix rule's glob (after "secret/app/") comes later than the `+`.
    ["secret/app/config", ["read", "list", "update", "delete", "create", "patch"]],
    ["secret/other/config", ["read"]],
    ["sys/policies/acl/ops", ["sudo", "update", "create"]],
    ["sys/mounts", ["deny"]],
    ["/secret/foo", ["read", "list"]],
    ["secret", ["deny"]],
  ])("%s → %j", async (path, expected) => {
    expect((await acl(policyA)).capabilities(path)).toEqual(expected);
  });
});

describe("built-in policies", () => {
  it("default: the token's own lookup/renew/revoke, capabilities-self and cubbyhole", () => {
    const a = compileAcl([defaultPolicy()]);
    expect(a.allows("read", "auth/token/lookup-self").allowed).toBe(true);
    expect(a.allows("update", "auth/token/renew-self").allowed).toBe(true);
    expect(a.allows("update", "auth/token/revoke-self").allowed).toBe(true);
    expect(a.allows("update", "sys/capabilities-self").allowed).toBe(true);
    expect(a.capabilities("cubbyhole/mine")).toEqual(["read", "list", "update", "delete", "create"]);
    expect(a.allows("read", "auth/token/lookup").allowed).toBe(false);
    expect(a.capabilities("secret/data/app")).toEqual(["deny"]);
    expect(a.capabilities("identity/oidc/provider/p/authorize")).toEqual(["read", "update"]);
    // The templated identity paths never apply: there are no identity entities here.
    expect(a.capabilities("identity/entity/id/{{identity.entity.id}}")).toEqual(["deny"]);
  });

  it("default's text parses back to the same rules", async () => {
    const d = defaultPolicy();
    const reparsed = await parsePolicy("default", d.raw);
    const byPath = (rules: typeof d.paths) => [...rules].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(byPath(reparsed.paths)).toEqual(byPath(d.paths));
    expect(reparsed.name).toBe("default");
  });

  it("root must come alone", async () => {
    const { rootPolicy } = await import("../../../src/auth/policy/index.js");
    expect(() => compileAcl([rootPolicy(), defaultPolicy()])).toThrow("other policies present along with root");
  });
});
