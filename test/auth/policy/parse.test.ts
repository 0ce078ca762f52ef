// Parsing Vault's policy forms (vault/policy.go parseACLPolicyWithTemplating, parsePaths) and
// the errors Vault gives.
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../../src/errors.js";
import { parsePolicy } from "../../../src/auth/policy/index.js";

async function failure(text: string): Promise<SecretsError> {
  try {
    await parsePolicy("p", text);
  } catch (e) {
    if (e instanceof SecretsError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

describe("parsePolicy", () => {
  it("HCL and JSON give the same rules; the name is sanitized as Vault's store does", async () => {
    const hcl = await parsePolicy(" My-Policy ", 'path "secret/data/*" { capabilities = ["read", "list"] }');
    const json = await parsePolicy("my-policy", '{"path": {"secret/data/*": {"capabilities": ["read", "list"]}}}');
    expect(hcl.paths).toEqual(json.paths);
    expect(hcl.name).toBe("my-policy");
    expect(hcl.paths[0]).toMatchObject({ path: "secret/data/", kind: "prefix", capabilities: ["read", "list"] });
  });

  it("classifies paths: exact, prefix (trailing * stripped), segment wildcard (kept as written)", async () => {
    const p = await parsePolicy("p", `
path "/secret/foo" { capabilities = ["read"] }
path "secret/+/bar*" { capabilities = ["read"] }
path "*" { capabilities = ["read"] }`);
    // hcl2json orders the paths by name; the order of rules carries no meaning in Vault.
    expect(p.paths.map((r) => [r.path, r.kind]).sort()).toEqual([
      ["", "prefix"],
      ["secret/+/bar*", "segment-wildcard"],
      ["secret/foo", "exact"],
    ]);
  });

  it.each([
    ["deny", ["deny"]],
    ["read", ["read", "list"]],
    ["write", ["create", "read", "update", "delete", "list"]],
    ["sudo", ["create", "read", "update", "delete", "list", "sudo"]],
  ])("legacy policy = %j → %j (vault/policy.go)", async (legacy, expected) => {
    const p = await parsePolicy("p", `path "a" { policy = "${legacy}" }`);
    expect(p.paths[0]!.capabilities).toEqual(expected);
  });

  it("legacy and capabilities combine; deny anywhere leaves deny alone", async () => {
    expect((await parsePolicy("p", 'path "a" {\n policy = "read"\n capabilities = ["update"]\n}')).paths[0]!.capabilities).toEqual(["update", "read", "list"]);
    expect((await parsePolicy("p", 'path "a" { capabilities = ["read", "deny"] }')).paths[0]!.capabilities).toEqual(["deny"]);
  });

  it("keeps parameters (keys lower-cased) and wrapping TTLs in seconds", async () => {
    const p = await parsePolicy("p", `
path "a" {
  capabilities = ["update"]
  allowed_parameters = { "Foo" = ["x*"], "bar" = [] }
  denied_parameters = { "baz" = [] }
  required_parameters = ["Foo"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
}`);
    expect(p.paths[0]!.permissions).toMatchObject({
      allowedParameters: { foo: ["x*"], bar: [] },
      deniedParameters: { baz: [] },
      requiredParameters: ["Foo"],
      minWrappingTtl: 60,
      maxWrappingTtl: 3600,
    });
  });

  it("a path given twice keeps both bodies (merged when compiled)", async () => {
    const p = await parsePolicy("p", 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }');
    expect(p.paths.map((r) => r.capabilities)).toEqual([["read"], ["list"]]);
  });

  it("an empty policy has no rules", async () => {
    expect((await parsePolicy("p", "# nothing\n")).paths).toEqual([]);
  });

  it.each([
    ['path "a" { capabilities = ["reed"] }', 'failed to parse policy: path "a": invalid capability "reed"'],
    ['path "a" { policy = "admin" }', 'failed to parse policy: path "a": invalid policy "admin"'],
    ['path "a" {\n capabilities = ["read"]\n colour = "x"\n}', 'failed to parse policy: path "a": invalid key "colour"'],
    ['foo = "x"', 'failed to parse policy: invalid key "foo"'],
    ['path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = "10x"\n}', 'failed to parse policy: error parsing min_wrapping_ttl: time: unknown unit "x" in duration "10x"'],
    ['path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = 400\n max_wrapping_ttl = 300\n}', "failed to parse policy: max_wrapping_ttl cannot be less than min_wrapping_ttl"],
    ['path "a" {\n capabilities = ["read"]\n allowed_parameters = { "a*" = [] }\n}', 'failed to parse policy: path "a": allowed_parameters: parameter key "a*" cannot contain non-tail wildcards'],
  ])("%s → %s", async (text, message) => {
    const e = await failure(text);
    expect(e.message).toBe(message);
    expect(e.kind).toBe("usage");
    expect(e.httpStatus).toBe(400);
  });

  it("syntax errors in either form are usage errors starting as Vault's", async () => {
    for (const text of ['path "a" { capabilities = ["read" }', '{"path": {"a": ']) {
      const e = await failure(text);
      expect(e.message.startsWith("failed to parse policy: ")).toBe(true);
      expect(e.kind).toBe("usage");
    }
    expect((await failure('path "a" { capabilities = "read" }')).message).toMatch(/^failed to parse policy: path "a": capabilities: /);
  });
});

describe("schemas/vault-policy.schema.json", () => {
  it("is the committed rendering of the zod schema (npm run schemas)", async () => {
    const { readFileSync } = await import("node:fs");
    const { renderPolicyJsonSchema } = await import("../../../src/auth/policy/index.js");
    expect(readFileSync(new URL("../../../schemas/vault-policy.schema.json", import.meta.url), "utf8")).toBe(renderPolicyJsonSchema());
  });
});
