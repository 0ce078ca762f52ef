import { describe, expect, it } from "vitest";
import { showValue } from "../../src/git/values.js";
import { toSecretValue } from "../../src/secrets/entries.js";
import { emitEncrypted, encryptNew, openDocument } from "../../src/sops/document.js";
import { defaultEncryptionRule } from "../../src/sops/metadata.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import type { Store } from "../../src/sops/stores/store.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { Branch, Comment, fromPlain, SopsFloat, SopsInt, toPlain, toPlainValue } from "../../src/sops/tree.js";
import { memoryKeys } from "../helpers/memkeys.js";

/** Encrypts `source` with `store` and opens it again: the decrypted branches. */
async function roundTrip(store: Store, source: string): Promise<Branch[]> {
  const keys = memoryKeys();
  const enc = await encryptNew(store.parsePlain(Buffer.from(source)), { groups: [["r1"]] }, keys);
  const opened = await openDocument(store.parseEncrypted(emitEncrypted(store, enc)), keys);
  return opened.branches;
}

function expectNoPollution(): void {
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe("tree → plain conversion", () => {
  it("keeps a __proto__ key of a decrypted YAML document as an own property, never a prototype", async () => {
    const [b] = await roundTrip(yamlStore, "__proto__:\n  polluted: yes\nother: 1\n");
    const plain = toPlain(b!) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["__proto__", "other"]);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(plain, "__proto__")?.value).toEqual({ polluted: "yes" });
    expect(plain.polluted).toBeUndefined();
    expectNoPollution();
  });

  it("keeps a __proto__ key of a decrypted JSON document, a string value included", async () => {
    const [b] = await roundTrip(jsonStore, '{"a": {"__proto__": "x", "b": 2}}');
    const plain = toPlain(b!) as Record<string, Record<string, unknown>>;
    expect(Object.keys(plain.a!)).toEqual(["__proto__", "b"]);
    expect(JSON.stringify(plain)).toBe('{"a":{"__proto__":"x","b":2}}');
    expectNoPollution();
  });

  it("every caller keeps it: SDK values, --values display, YAML metadata", () => {
    const tree = new Branch([{ key: "__proto__", value: new Branch([{ key: "k", value: "v" }]) }]);
    expect(Object.keys(toSecretValue(tree, defaultEncryptionRule) as object)).toEqual(["__proto__"]);
    expect(showValue(tree)).toBe('{"__proto__":{"k":"v"}}');
    const meta = yamlStore.parseEncrypted(Buffer.from("a: b\nsops:\n  __proto__:\n    version: x\n")).metadata as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(["__proto__"]);
    expectNoPollution();
  });

  it("keeps integers exact (toPlain) or as the nearest number (toPlainValue), drops comments", () => {
    const big = new SopsInt(2n ** 63n - 1n);
    const tree = new Branch([new Comment(" c"), { key: "n", value: big }, { key: "l", value: [new Comment(" d"), new SopsInt(7n)] }]);
    expect(toPlain(tree)).toEqual({ n: 2n ** 63n - 1n, l: [7] });
    expect(toPlainValue(tree)).toEqual({ n: 9223372036854775807, l: [7] });
    expect(toPlain(fromPlain({ n: 2n ** 63n - 1n, l: [7, 1.5] }))).toEqual({ n: 2n ** 63n - 1n, l: [7, 1.5] });
  });

  it("an integral number beyond int64 is a float64, as sops reads such a JSON number (an int could not be decrypted again)", () => {
    expect(fromPlain(2 ** 62)).toEqual(new SopsInt(2n ** 62n));
    expect(fromPlain(-(2 ** 63))).toEqual(new SopsInt(-(2n ** 63n)));
    expect(fromPlain(2 ** 63)).toEqual(new SopsFloat(2 ** 63));
    expect(fromPlain(-1e300)).toEqual(new SopsFloat(-1e300));
  });
});
