import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CreationRuleSchema, SopsConfigSchema, renderJsonSchema } from "../../src/policy/schema.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const committed = join(root, "schemas", "sops-config.schema.json");

describe("schemas/sops-config.schema.json", () => {
  it("is up to date with src/policy/schema.ts (run `npm run schemas` when this fails)", () => {
    expect(readFileSync(committed, "utf8")).toBe(renderJsonSchema());
  });

  it("is deterministic, ends with a newline and describes the recursive key groups", () => {
    const text = renderJsonSchema();
    expect(renderJsonSchema()).toBe(text);
    expect(text.endsWith("}\n")).toBe(true);
    const schema = JSON.parse(text);
    expect(schema.$schema).toContain("2020-12");
    expect(Object.keys(schema.properties)).toEqual(["keys", "creation_rules", "destination_rules", "stores"]);
    const group = schema.$defs.SopsKeyGroup;
    expect(JSON.stringify(group.properties.merge)).toContain("#/$defs/SopsKeyGroup");
    expect(Object.keys(schema.$defs.SopsCreationRule.properties)).toContain("mac_only_encrypted");
  });

  it("`npm run schemas -- --check` agrees (the esbuild bundle renders the same text)", () => {
    const out = execFileSync(process.execPath, [join(root, "scripts", "gen-schemas.mjs"), "--check"], { cwd: root, encoding: "utf8" });
    expect(out).toContain("up to date");
  });
});

describe("SopsConfigSchema", () => {
  it("keeps unknown keys (loose) and accepts null for every optional field", () => {
    const r = SopsConfigSchema.parse({ creation_rules: [{ path_regexp: "x", age: null, key_groups: null }], stores: null, extra: 1 });
    expect(r).toMatchObject({ extra: 1, creation_rules: [{ path_regexp: "x" }] });
  });

  it("rejects two encryption options in one rule", () => {
    const r = CreationRuleSchema.safeParse({ encrypted_suffix: "_enc", encrypted_regex: "^a$" });
    expect(r.success).toBe(false);
  });
});
