import { describe, expect, it } from "vitest";
import { bodyFields, field, FrameworkCommaStringSlice, FrameworkString } from "../../src/server/framework-fields.js";
import { specialPaths } from "../../src/server/mounts/special-paths.js";
import { SYS_ROOT_PATHS } from "../../src/server/mounts/sys-mount.js";
import { injectedEnvelopeJson } from "../../src/server/vault-json.js";
import { goStdBase64Decode } from "../../src/util/go-base64.js";

/** The pieces of the system routes that copy Vault's Go code: special-path matching, field conversion, Go's base64, the top-level copy. */

describe("specialPaths (vault/router.go RootPath: the longest matching entry decides)", () => {
  const root = specialPaths(SYS_ROOT_PATHS);
  it.each([
    ["audit", true],
    ["audit/file", true],
    ["audit-hash/file", false],
    ["auditx", false],
    ["auth/jwt", true],
    ["auth", false],
    ["policy/x", false],
    ["leases", true],
    ["leases/lookup/x", true],
    ["leases/lookup", false],
  ])("%s → %s", (path, expected) => expect(root(path)).toBe(expected));
});

describe("framework fields (sdk/framework field_data.go)", () => {
  it("TypeString converts scalars weakly; anything else is `error converting input`", () => {
    expect([FrameworkString.parse("a"), FrameworkString.parse(5), FrameworkString.parse(true), FrameworkString.parse(null)]).toEqual(["a", "5", "1", ""]);
    expect(() => field({ policy: { x: 1 } }, "policy", FrameworkString, "")).toThrow('error converting input for field "policy"');
    expect(field({}, "policy", FrameworkString, "none")).toBe("none");
  });
  it("TypeCommaStringSlice splits a string on commas and trims every item", () => {
    expect(FrameworkCommaStringSlice.parse("a, b ,c")).toEqual(["a", "b", "c"]);
    expect(FrameworkCommaStringSlice.parse("")).toEqual([]);
    expect(FrameworkCommaStringSlice.parse([" a", 2])).toEqual(["a", "2"]);
  });
  it("a body that is not an object has no fields", () => {
    expect([bodyFields(null), bodyFields([1]), bodyFields("x")]).toEqual([{}, {}, {}]);
  });
});

describe("goStdBase64Decode (Go's StdEncoding: padding required, CR/LF skipped)", () => {
  it.each([
    ["aGk=", "hi"],
    ["aG\nk=", "hi"],
    ["", ""],
  ])("%j decodes", (text, plain) => expect(goStdBase64Decode(text)?.toString("utf8")).toBe(plain));
  it.each(["aGk", "path \"a\" {}", "a===", "aGk=aGk="])("%j is not base64 to Go", (text) => expect(goStdBase64Decode(text)).toBeNull());
});

describe("injectedEnvelopeJson (sdk/logical HTTPSysInjector)", () => {
  const env = { request_id: "r", lease_id: "", renewable: false, lease_duration: 0, wrap_info: null, warnings: null, auth: null, mount_type: "system" };
  it("copies data's keys (sorted) before the envelope's fields", () => {
    expect(injectedEnvelopeJson({ ...env, data: { b: [1], a: "<x>" } })).toBe(
      '{"a":"\\u003cx\\u003e","b":[1],"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"wrap_info":null,"warnings":null,"auth":null,"mount_type":"system","data":{"a":"\\u003cx\\u003e","b":[1]}}\n',
    );
  });
  it("leaves null and empty data alone", () => {
    expect(injectedEnvelopeJson({ ...env, data: null })).toBe('{"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"wrap_info":null,"warnings":null,"auth":null,"mount_type":"system","data":null}\n');
    expect(injectedEnvelopeJson({ ...env, data: {} })).toContain('"data":{}');
  });
});
