import { describe, expect, it } from "vitest";
import { flatScalarToString, flattenMetadata, goValToString, tokenizeFlatKey, unflattenMetadata } from "../../src/sops/stores/flatten.js";
import { SopsFloat, SopsInt, SopsTime } from "../../src/sops/tree.js";
import { expectStoreError } from "./expect-error.js";

describe("flattening (sops stores/flatten.go)", () => {
  it("uses __map_ and __list_ steps and the given prefix", () => {
    const flat = flattenMetadata(
      { key_groups: [{ age: [{ enc: "E", recipient: "R" }] }, { pgp: [{ fp: "F" }] }], shamir_threshold: 2, mac_only_encrypted: true, empty: [], none: {}, gone: null },
      "sops_",
    );
    expect(flat).toEqual([
      { key: "sops_key_groups__list_0__map_age__list_0__map_enc", value: "E" },
      { key: "sops_key_groups__list_0__map_age__list_0__map_recipient", value: "R" },
      { key: "sops_key_groups__list_1__map_pgp__list_0__map_fp", value: "F" },
      { key: "sops_shamir_threshold", value: 2 },
      { key: "sops_mac_only_encrypted", value: true },
    ]);
    expect(flat.map((f) => flatScalarToString(f.value))).toEqual(["E", "R", "F", "2", "true"]);
  });

  it("keeps list index order, like 3.13 (a 3.8–3.12 string sort would put __list_10 before __list_2)", () => {
    const age = Array.from({ length: 11 }, (_, i) => ({ enc: `E${i}`, recipient: `R${i}` }));
    const keys = flattenMetadata({ age }).map((f) => f.key);
    expect(keys.slice(0, 6)).toEqual([
      "age__list_0__map_enc",
      "age__list_0__map_recipient",
      "age__list_1__map_enc",
      "age__list_1__map_recipient",
      "age__list_2__map_enc",
      "age__list_2__map_recipient",
    ]);
    expect(keys.at(-1)).toBe("age__list_10__map_recipient");
    expect(unflattenMetadata(flattenMetadata({ age }))).toEqual({ age });
  });

  it("refuses collisions and non-mapping metadata", () => {
    expectStoreError(() => flattenMetadata({ a__map_b: "x", a: { b: "y" } }), "dump");
    expectStoreError(() => flattenMetadata(["x"]), "dump");
  });
});

describe("unflattening", () => {
  it("tokenizes like sops", () => {
    expect(tokenizeFlatKey("bar")).toEqual([{ map: "bar" }]);
    expect(tokenizeFlatKey("bar__map_foo")).toEqual([{ map: "bar" }, { map: "foo" }]);
    expect(tokenizeFlatKey("bar__list_10__map_baz")).toEqual([{ map: "bar" }, { list: 10 }, { map: "baz" }]);
    expect(tokenizeFlatKey("__map_x")).toEqual([{ map: "" }, { map: "x" }]);
  });

  it("rebuilds maps and lists in first-appearance order; a repeated leaf keeps the last value; gaps are null", () => {
    expect(
      unflattenMetadata([
        { key: "key1__list_0", value: "foo" },
        { key: "key2__list_0", value: "foo" },
        { key: "key2__list_1__map_foo", value: "bar" },
        { key: "key2__list_1__map_baz", value: "bam" },
        { key: "key3__map_foo", value: "bar" },
        { key: "dupe", value: "first" },
        { key: "dupe", value: "last" },
        { key: "holes__list_2", value: "x" },
      ]),
    ).toEqual({ key1: ["foo"], key2: ["foo", { foo: "bar", baz: "bam" }], key3: { foo: "bar" }, dupe: "last", holes: [null, null, "x"] });
  });

  it("refuses a key used as both a leaf and a container, or as both a map and a list, and bad indexes", () => {
    expectStoreError(() => unflattenMetadata([{ key: "k__list_0", value: "a" }, { key: "k__map_foo", value: "b" }]), "parse");
    expectStoreError(() => unflattenMetadata([{ key: "k", value: "a" }, { key: "k__list_0", value: "b" }]), "parse");
    expectStoreError(() => unflattenMetadata([{ key: "k__map_x", value: "a" }, { key: "k", value: "b" }]), "parse");
    expectStoreError(() => unflattenMetadata([{ key: "k__list_x", value: "a" }]), "parse");
    expectStoreError(() => unflattenMetadata([{ key: "k__list_99999999", value: "a" }]), "parse");
    // Go object keys that look like JS prototype members are plain keys.
    expect(unflattenMetadata([{ key: "constructor__map_x", value: "a" }])).toEqual({ constructor: { x: "a" } });
    const proto = unflattenMetadata([{ key: "__proto____map_age", value: "a" }]);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect((proto as Record<string, unknown>).age).toBeUndefined();
  });
});

describe("ValToString (non-string values in dotenv and INI output)", () => {
  it("formats like sops' stores.ValToString", () => {
    const cases: Array<[Parameters<typeof goValToString>[0], string]> = [
      ["s", "s"],
      [true, "true"],
      [null, "<nil>"],
      [new SopsInt(-12n), "-12"],
      [new SopsFloat(0), "0.0"],
      [new SopsFloat(2.5), "2.5"],
      [new SopsFloat(100000), "100000.0"],
      [new SopsFloat(1234567), "1.234567E+06"],
      [new SopsFloat(0.0001), "0.0001"],
      [new SopsFloat(-Infinity), "-Inf"],
      [new SopsTime("2024-01-01T00:00:00Z"), "2024-01-01T00:00:00Z"],
      [new SopsTime("2024-01-01T00:00:00.25-05:00"), "2024-01-01T00:00:00-05:00"],
    ];
    for (const [v, s] of cases) expect(goValToString(v)).toBe(s);
    expect(goValToString(new Uint8Array([1, 2]))).toEqual(new Uint8Array([1, 2]));
  });
});
