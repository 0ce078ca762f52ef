import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { encryptBranches } from "../../src/sops/crypt.js";
import { ValueCipher } from "../../src/sops/cipher.js";
import { defaultEncryptionRule } from "../../src/sops/metadata.js";
import { MAX_NESTING, checkNesting } from "../../src/sops/nesting.js";
import { parseJsonValue } from "../../src/sops/path.js";
import { parseYamlFull, yamlStore } from "../../src/sops/stores/yaml.js";
import { Branch, type Value } from "../../src/sops/tree.js";
import { errorOf } from "../helpers/errors.js";

/** One nesting limit (MAX_NESTING containers) for every store, the tree walkers and `set` values. */

const enc = (s: string) => new TextEncoder().encode(s);

/** `n` containers in block style: the top-level map, then n-1 nested maps. */
function blockYaml(n: number): string {
  let s = "";
  for (let i = 0; i < n - 1; i++) s += " ".repeat(i * 2) + "k:\n";
  return s + " ".repeat((n - 1) * 2) + "v: 1\n";
}

/** `n` containers in flow style: the top-level map, then n-1 nested lists. */
function flowYaml(n: number): string {
  return "a: " + "[".repeat(n - 1) + "1" + "]".repeat(n - 1) + "\n";
}

describe("YAML nesting limit", () => {
  it("the fast reader (block style) takes MAX_NESTING levels and refuses one more, naming the line", () => {
    expect(yamlStore.parsePlain(enc(blockYaml(MAX_NESTING)))).toHaveLength(1);
    const e = errorOf(() => yamlStore.parsePlain(enc(blockYaml(MAX_NESTING + 1))));
    expect(e.kind).toBe("parse");
    expect(e.message).toBe(`the YAML document nests maps and lists deeper than ${MAX_NESTING} levels at line ${MAX_NESTING + 1}`);
  });

  it("the full parser (flow style) takes MAX_NESTING levels and refuses more, however deep", () => {
    expect(parseYamlFull(flowYaml(MAX_NESTING))).toHaveLength(1);
    for (const n of [MAX_NESTING + 1, 2_600, 10_000, 50_000]) {
      const e = errorOf(() => yamlStore.parsePlain(enc(flowYaml(n))));
      expect(e.kind).toBe("parse");
      expect(e.message).toMatch(/nests maps and lists deeper than \d+ levels at line 1$/);
    }
    // Block style through the full parser too (a tab-free but flow-mixed file the fast reader leaves).
    const e = errorOf(() => parseYamlFull(blockYaml(MAX_NESTING + 1)));
    expect(e.message).toMatch(/deeper than/);
  });

  it("aliases that expand past the limit are refused too", () => {
    const half = Math.ceil(MAX_NESTING / 2) + 1;
    const text = "a: &x " + "[".repeat(half) + "1" + "]".repeat(half) + "\nb: " + "[".repeat(half) + "*x" + "]".repeat(half) + "\n";
    const e = errorOf(() => parseYamlFull(text));
    expect(e.message).toMatch(/deeper than/);
  });

  it("brackets in quoted strings, comments and block scalars do not count", () => {
    const many = "[".repeat(MAX_NESTING * 2);
    const text = `a: "${many}"\nb: '${many}'\n# ${many}\nc: |\n    ${many}\nd: x${many}\n`;
    expect(parseYamlFull(text)[0]!.get("a")).toBe(many);
  });
});

describe("tree walkers and set values", () => {
  const deepList = (n: number): Value => {
    let v: Value = [];
    for (let i = 1; i < n; i++) v = [v];
    return v;
  };

  it("encrypting a tree deeper than the limit (built by set or the SDK) is a parse error, not a RangeError", () => {
    const cipher = new ValueCipher(new Uint8Array(32), false);
    const meta = { encryptionRule: defaultEncryptionRule, macOnlyEncrypted: false };
    expect(() => encryptBranches([new Branch([{ key: "a", value: deepList(MAX_NESTING - 1) }])], cipher, meta)).not.toThrow();
    const e = errorOf(() => encryptBranches([new Branch([{ key: "a", value: deepList(20_000) }])], cipher, meta));
    expect(e.kind).toBe("parse");
    expect(e.message).toBe(`the value at ["a"] nests maps and lists deeper than ${MAX_NESTING} levels`);
  });

  it("a set value nested too deep is a set-format error", () => {
    const text = "[".repeat(20_000) + "]".repeat(20_000);
    const e = errorOf(() => parseJsonValue(text));
    expect(e.kind).toBe("set-format");
    expect(e.message).toMatch(/^the value nests maps and lists deeper than/);
    expect(parseJsonValue("[".repeat(MAX_NESTING) + "]".repeat(MAX_NESTING))).toBeInstanceOf(Array);
  });

  it("checkNesting counts maps, lists and plain objects iteratively", () => {
    expect(() => checkNesting(deepList(MAX_NESTING))).not.toThrow();
    expect(() => checkNesting(deepList(MAX_NESTING + 1))).toThrow(SecretsError);
    let o: unknown = {};
    for (let i = 0; i < 100_000; i++) o = { k: o };
    expect(() => checkNesting(o)).toThrow(/deeper than/);
  });
});
