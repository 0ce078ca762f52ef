import { readdirSync, readFileSync } from "node:fs";
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
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
    }
  }
  return names;
}

describe("the published package", () => {
  it("declares in `dependencies` every module its built files load at run time (everything else is bundled)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const needed = runtimeImports(join(ROOT, "dist"));
    // The HCL parser of Vault policies loads its WebAssembly from its own folder: never bundled.
    expect(needed).toContain("@cdktn/hcl2json");
    for (const name of needed) expect(Object.keys(pkg.dependencies ?? {}), name).toContain(name);
  });
});
