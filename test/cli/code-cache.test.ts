import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { codeCachePath, requireWithCodeCache as load, type CodeCacheMode } from "../../src/cli/code-cache.js";

const requireWithCodeCache = (file: string, mode?: CodeCacheMode) => load(file, createRequire, mode);

/**
 * The loader dist/cli.js runs its two bundles with: a CommonJS module plus V8's code cache.
 * V8 also keeps compiled scripts per process, by source and file name, and then never looks at the
 * cache: a load that must read the cache gets the bundle (and its cache) under a new name (`moved`).
 */

let dir: string;
let bundle: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secrets-code-cache-"));
  writeFileSync(join(dir, "dep.cjs"), "module.exports = { base: 40 };\n");
  bundle = join(dir, "bundle.cjs");
  // Enough code for V8 to accept a cache for it, with a function only a call compiles.
  const body = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join("\n");
  writeFileSync(bundle, `"use strict";\nconst { base } = require("./dep.cjs");\n${body}\nexports.answer = () => f2(base);\nexports.where = () => [__filename, __dirname, this === module.exports];\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let moves = 0;
function moved(): string {
  const to = join(dir, `moved-${++moves}`);
  mkdirSync(to);
  for (const f of ["dep.cjs", "bundle.cjs", basename(codeCachePath(bundle))]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(to, f.replace("bundle.cjs", "b.cjs")));
  return join(to, "b.cjs");
}

describe("requireWithCodeCache", () => {
  it("runs the file as CommonJS: its exports, its own relative require, __filename, __dirname", () => {
    const { exports, cache } = requireWithCodeCache(bundle) as { exports: { answer(): number; where(): unknown[] }; cache: string };
    expect(exports.answer()).toBe(42);
    expect(exports.where()).toEqual([bundle, dir, true]);
    expect(cache).toBe("absent");
  });

  it("uses the cache it saved, and the code behaves the same", () => {
    const first = requireWithCodeCache(bundle);
    (first.exports as { answer(): number }).answer();
    first.save();
    expect(existsSync(codeCachePath(bundle))).toBe(true);
    expect(codeCachePath(bundle)).toContain(process.versions.v8);
    const second = requireWithCodeCache(moved());
    expect(second.cache).toBe("used");
    expect((second.exports as { answer(): number }).answer()).toBe(42);
  });

  it("ignores a cache written for other bytes of the same length (V8 alone would run the old code)", () => {
    // f2 compiled before the save, so the cache holds its old bytecode: V8, which checks only the
    // source's length, would run it and answer 42.
    const first = requireWithCodeCache(bundle);
    expect((first.exports as { answer(): number }).answer()).toBe(42);
    first.save();
    const text = readFileSync(bundle, "utf8");
    const changed = text.replace("return x + 2;", "return x + 3;");
    expect(changed.length).toBe(text.length);
    writeFileSync(bundle, changed);
    const again = requireWithCodeCache(moved());
    expect(again.cache).toBe("stale");
    expect((again.exports as { answer(): number }).answer()).toBe(43);
  });

  it("compiles as usual when V8 refuses the cache, or when told not to use it", () => {
    const first = requireWithCodeCache(bundle);
    first.save();
    const stored = readFileSync(codeCachePath(bundle));
    // Our hash stays right; V8's own header (magic number, version) is broken.
    stored.fill(0xff, 32, 48);
    writeFileSync(codeCachePath(bundle), stored);
    const rejected = requireWithCodeCache(moved());
    expect(rejected.cache).toBe("rejected");
    expect((rejected.exports as { answer(): number }).answer()).toBe(42);
    expect(requireWithCodeCache(moved(), "off").cache).toBe("off");
  });

  it("a cache that cannot be written is no error", () => {
    const loaded = requireWithCodeCache(bundle);
    rmSync(dir, { recursive: true, force: true });
    expect(() => loaded.save()).not.toThrow();
  });
});
