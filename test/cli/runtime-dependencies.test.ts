import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const builtin = new Set(builtinModules);

/** The bare module names the built files load at run time (require, import, import()). */
function runtimeImports(dir: string): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!/\.(c|m)?js$/.test(f)) continue;
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/(?:require\(|import\(|\bfrom\s*)"([^"./][^"]*)"/g)) {
      const spec = m[1]!;
      if (spec.startsWith("node:") || builtin.has(spec)) continue;
      names.add(spec);
    }
  }
  return names;
}

describe("the published package (dist/) needs nothing beside itself", () => {
  it("loads no module that is not built into Node (everything is bundled)", () => {
    // `performance`: the Go WebAssembly loader's fallback for runtimes without globalThis.performance, never reached on Node ≥ 16.
    // `@aws-sdk/signature-v4-crt`: named only inside the AWS SDK's error messages (`[require("@aws-sdk/signature-v4-crt");]`), never loaded.
    expect([...runtimeImports(join(ROOT, "dist"))].filter((n) => n !== "performance" && n !== "@aws-sdk/signature-v4-crt")).toEqual([]);
  });

  it("carries the HCL parser's WebAssembly where its bundled loader reads it (dist/chunks/../main.wasm.gz)", () => {
    expect(readFileSync(join(ROOT, "dist", "chunks", "hcl2json-lib.cjs"), "utf8")).toContain("main.wasm.gz");
    expect(existsSync(join(ROOT, "dist", "main.wasm.gz"))).toBe(true);
  });
});
