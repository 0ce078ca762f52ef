import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { layerViolations, readModuleGraph, runtimeCycles, type ModuleGraph } from "../helpers/module-graph.js";

/**
 * The layering rules of docs/architecture.md, checked on the real import graph (static imports,
 * re-exports and dynamic `import("…")`):
 * - nothing outside src/cli imports src/cli (the CLI is a shell over the library; the Action and
 *   the server must be able to use every flow without it);
 * - the format layer (src/sops) reaches no file system, process, network or git code, directly or
 *   through another module: it turns bytes into bytes;
 * - no import cycle through runtime imports (type-only imports are erased, so they may loop).
 */

const repo = path.resolve(import.meta.dirname, "../..");

describe("layering", () => {
  const graph = readModuleGraph(repo, ["src", "action/src"]);

  it("reads the whole source tree", () => {
    expect(graph.modules.size).toBeGreaterThan(100);
    expect(graph.modules.has("src/sops/document.ts")).toBe(true);
    expect(graph.modules.get("src/cli/main.ts")!.imports.length).toBeGreaterThan(0);
  });

  it("holds on the source tree", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("has no runtime import cycle", () => {
    expect(runtimeCycles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });
});

describe("the checker itself", () => {
  function graphOf(files: Record<string, string>): ModuleGraph {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
    try {
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      return readModuleGraph(dir, ["src", "action/src"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("finds a library module that imports the CLI, statically or dynamically", () => {
    const g = graphOf({
      "src/cli/io.ts": "export const x = 1;\n",
      "src/access/a.ts": 'import { x } from "../cli/io.js";\n',
      "src/access/b.ts": 'export async function f() { return import("../cli/io.js"); }\n',
      "action/src/c.ts": 'export { x } from "../../src/cli/io.js";\n',
      "src/cli/main.ts": 'import "./io.js";\n',
    });
    expect(layerViolations(g).map((v) => v.from).sort()).toEqual(["action/src/c.ts", "src/access/a.ts", "src/access/b.ts"]);
  });

  it("finds the format layer reaching the file system, a process or git, also through another module", () => {
    const g = graphOf({
      "src/sops/a.ts": 'import fs from "node:fs";\n',
      "src/sops/b.ts": 'import { run } from "../util/run.js";\n',
      "src/util/run.ts": 'import { spawn } from "child_process";\nexport const run = spawn;\n',
      "src/sops/c.ts": 'import { g } from "../git/repo.js";\n',
      "src/git/repo.ts": "export const g = 1;\n",
      "src/sops/ok.ts": 'import { createCipheriv } from "node:crypto";\nimport { parse } from "yaml";\nimport { y } from "./d.js";\n',
      "src/sops/d.ts": "export const y = 1;\n",
    });
    const found = layerViolations(g);
    expect(found.map((v) => v.from).sort()).toEqual(["src/sops/a.ts", "src/sops/b.ts", "src/sops/c.ts"]);
    expect(found.find((v) => v.from === "src/sops/b.ts")!.rule).toContain("src/util/run.ts -> child_process");
  });

  it("finds a cycle through a dynamic import, and none through type-only imports", () => {
    const g = graphOf({
      "src/cli/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/cli/b.ts": 'export async function b() { return (await import("./a.js")).a; }\n',
      "src/x/c.ts": 'import type { D } from "./d.js";\nexport type C = D;\n',
      "src/x/d.ts": 'import type { C } from "./c.js";\nexport type D = C | 1;\n',
    });
    expect(runtimeCycles(g).map((c) => c.join(" -> "))).toEqual(["src/cli/a.ts -> src/cli/b.ts -> src/cli/a.ts"]);
  });
});
