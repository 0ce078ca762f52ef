import { describe, expect, it } from "vitest";
import { uncoveredSecrets } from "../../src/secrets/entries.js";
import { certainlyAllCovered, isAtOrBelow, uncoveredEntries, uncoveredPathText } from "../../src/sops/coverage.js";
import { Branch, Comment, SopsInt } from "../../src/sops/tree.js";

/** Which entries of an encrypted tree the MAC does not authenticate: everything that is not an ENC[…] leaf. */

const ENC = "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";

describe("uncoveredEntries", () => {
  it('lists "", null, {}, [], and values in clear, by path and reason, in file order; ENC leaves and comments are covered', () => {
    const b = new Branch([
      new Comment(" a comment"),
      { key: "API_KEY", value: ENC },
      { key: "PATH", value: "" },
      { key: "NOTHING", value: null },
      { key: "nested", value: new Branch([{ key: "ok", value: ENC }, { key: "empty", value: new Branch() }, { key: 'we"ird', value: [] }]) },
      { key: "list", value: [ENC, "", null, new Comment(" c")] },
      { key: "port_unencrypted", value: new SopsInt(5n) },
      { key: "host_unencrypted", value: "db.internal" },
    ]);
    expect(uncoveredEntries([b]).map((e) => [uncoveredPathText(e), e.reason])).toEqual([
      ['["PATH"]', "empty-string"],
      ['["NOTHING"]', "null"],
      ['["nested"]["empty"]', "empty-map"],
      ['["nested"]["we\\"ird"]', "empty-list"],
      ['["list"][1]', "empty-string"],
      ['["list"][2]', "null"],
      ['["port_unencrypted"]', "unencrypted"],
      ['["host_unencrypted"]', "unencrypted"],
    ]);
  });

  it("an empty document is not an entry; every document is walked", () => {
    expect(uncoveredEntries([new Branch()])).toEqual([]);
    const found = uncoveredEntries([new Branch([{ key: "a", value: ENC }]), new Branch([{ key: "b", value: "" }])]);
    expect(found).toEqual([{ document: 1, path: ["b"], reason: "empty-string" }]);
  });

  it("metadata siblings are left out of the secrets' view (kept in clear by design, never injected)", () => {
    const rule = { kind: "unencrypted_suffix" as const, value: "_unencrypted" };
    const b = new Branch([
      { key: "password", value: ENC },
      { key: "password_metadata_unencrypted", value: new Branch([{ key: "owner", value: "team-a" }]) },
      { key: "orphan_metadata_unencrypted", value: new Branch([{ key: "owner", value: "" }]) },
    ]);
    expect(uncoveredSecrets(b, rule).map((e) => uncoveredPathText(e))).toEqual(['["orphan_metadata_unencrypted"]["owner"]']);
  });

  it("isAtOrBelow compares list indexes and keys by text", () => {
    expect(isAtOrBelow(["a", 0], ["a"])).toBe(true);
    expect(isAtOrBelow(["a", 0], ["a", "0"])).toBe(true);
    expect(isAtOrBelow(["a"], ["a", "b"])).toBe(false);
    expect(isAtOrBelow(["ab"], ["a"])).toBe(false);
  });
});

describe("certainlyAllCovered (verify's textual fast path)", () => {
  it("YAML: true only for ENC leaves, non-empty headers and comments", () => {
    const ok = `a: ${ENC}\nnested:\n    b: ${ENC}\n    list:\n        - ${ENC}\n        - c: ${ENC}\n          d:\n            e: ${ENC}\n# note\n`;
    expect(certainlyAllCovered(ok, "yaml")).toBe(true);
    for (const bad of [`a: ""\n`, `a:\n`, `a:\nb: ${ENC}\n`, `a: {}\n`, `a: []\n`, `a: null\n`, `a: ~\n`, `port_unencrypted: 5\n`, `"q:k": ${ENC}\n`, `a: |\n    text\n`, `a: ${ENC} x\n`]) {
      expect(certainlyAllCovered(bad, "yaml"), bad).toBe(false);
    }
  });

  it("JSON: true only for ENC leaves and non-empty brackets", () => {
    const ok = `{\n\t"a": "${ENC}",\n\t"n": {\n\t\t"b": "${ENC}"\n\t},\n\t"l": [\n\t\t"${ENC}"\n\t],\n\t`;
    expect(certainlyAllCovered(ok, "json")).toBe(true);
    for (const bad of [`{\n\t"a": "",\n\t`, `{\n\t"a": null,\n\t`, `{\n\t"a": {},\n\t`, `{\n\t"a": {\n\t},\n\t`, `{\n\t"a": [],\n\t`, `{\n\t"a": 5,\n\t`]) {
      expect(certainlyAllCovered(bad, "json"), bad).toBe(false);
    }
  });

  it("dotenv: true only for ENC values; INI always parses", () => {
    expect(certainlyAllCovered(`A=${ENC}\n#c\nsops_version=3.13.2\n`, "dotenv")).toBe(true);
    expect(certainlyAllCovered(`A=${ENC}\nPATH=\n`, "dotenv")).toBe(false);
    expect(certainlyAllCovered(`[s]\nA = ${ENC}\n`, "ini")).toBe(false);
  });
});
