import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueCipher } from "../../src/sops/cipher.js";
import { parseFastYaml } from "../../src/sops/stores/yaml-fast.js";
import { parseYamlFull, yamlStore } from "../../src/sops/stores/yaml.js";
import { Branch, Comment, SopsFloat, SopsInt } from "../../src/sops/tree.js";
import { INTEROP } from "../helpers/fixtures.js";

/**
 * The fast YAML reader must agree with the full parser on everything it accepts, and accept what
 * sops and our emitter write (else decrypting falls back to the slow path).
 */

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe("fast YAML reader", () => {
  it("agrees with the full parser on every fixture it accepts, and accepts go-yaml's output", () => {
    let accepted = 0;
    for (const f of yamlFiles(INTEROP)) {
      const text = readFileSync(f, "utf8");
      const fast = parseFastYaml(text);
      if (fast === null) continue;
      accepted++;
      expect(fast, f).toStrictEqual(parseYamlFull(text));
    }
    // Files written by go-yaml v3 with sops' defaults are in the subset.
    for (const f of ["isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml", "getsops-sops-pgp/example.yaml", "getsops-sops-pgp/format.enc.yaml", "fluxcd-kustomize-controller/algorithms-age-pq.yaml", "sops-nix/secrets.yaml"]) {
      expect(parseFastYaml(readFileSync(join(INTEROP, f), "utf8")), f).not.toBeNull();
    }
    expect(accepted).toBeGreaterThan(10);
  });

  it("declines what it does not cover, and the store still reads it through the full parser", () => {
    const cases = [
      "a: &x 1\nb: *x\n",
      "a: {b: 1}\n",
      "a: [1, 2]\n",
      "a: >\n    folded\n",
      "a: plain # inline comment\n",
      "a: \"esc\\n\"\n",
      "a:\n  - 1\n---\nb: 2\n",
      "a: multi\n    line plain\n",
      "a: !!str 1\n",
      "a: 1\r\nb: 2\r\n",
      "a:\n# comment before the nested block\n    b: 1\n",
    ];
    for (const c of cases) {
      expect(parseFastYaml(c), JSON.stringify(c)).toBeNull();
      expect(() => yamlStore.parsePlain(Buffer.from(c))).not.toThrow();
    }
    // Errors still come from the full parser, with its line numbers.
    expect(() => yamlStore.parsePlain(Buffer.from("a: 1\na: 2\n"))).toThrow(/line 2/);
  });

  it("property: whatever the emitter writes (indent 2 or 4), the fast reader reads back exactly", () => {
    const key = fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== "sops" && k !== "<<");
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom("", " lead", "trail ", "a: b", "# hash", "yes", "0755", "1.0", "2024-01-01", "multi\nline\n", "no-newline\nend", "'quoted'", '"dq"', "-dash", "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]"),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => new SopsInt(n)),
      fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)).map((d) => new SopsFloat(d)),
    );
    // A comment of exactly one space (`# `) is excluded: the `yaml` package reports it and a bare `#`
    // the same way, so the full parser cannot tell them apart (it picks the bare `#`); the fast reader can.
    const comment = fc
      .string({ maxLength: 12 })
      .filter((s) => !s.includes("\n") && !s.includes("\r") && s !== " ")
      .map((s) => new Comment(s));
    const { tree } = fc.letrec((tie) => ({
      tree: fc
        .uniqueArray(fc.tuple(key, tie("value"), fc.option(comment, { freq: 4 })), { maxLength: 5, selector: ([k]) => k })
        .map((items) => new Branch(items.flatMap(([k, v, c]) => (c ? [c, { key: k, value: v as never }] : [{ key: k, value: v as never }])))),
      value: fc.oneof({ depthSize: "small" }, scalar, tie("tree"), fc.array(tie("value"), { maxLength: 3 })),
    }));
    fc.assert(
      fc.property(tree, fc.constantFrom(2, 4), (t, indent) => {
        const text = Buffer.from(yamlStore.emitPlain([t as Branch], { indent })).toString("utf8");
        const full = parseYamlFull(text);
        const fast = parseFastYaml(text);
        if (fast !== null) expect(fast).toStrictEqual(full);
      }),
      { numRuns: 500 },
    );
  });

  it("reads a typical encrypted file through the fast path", () => {
    const c = new ValueCipher(new Uint8Array(32));
    const lines = ["# header comment"];
    for (let i = 0; i < 50; i++) lines.push(`service_${i}:`, `    user: ${c.encrypt("u", "x:")}`, `    list:`, `        - ${c.encrypt("v", "y:")}`);
    lines.push("sops:", "    age:", "        - enc: |", "            -----BEGIN AGE ENCRYPTED FILE-----", "            YWJj", "            -----END AGE ENCRYPTED FILE-----", "          recipient: age1xyz", '    lastmodified: "2024-01-01T00:00:00Z"', "    version: 3.13.2");
    const text = lines.join("\n") + "\n";
    const fast = parseFastYaml(text);
    expect(fast).not.toBeNull();
    expect(fast).toStrictEqual(parseYamlFull(text));
  });
});
