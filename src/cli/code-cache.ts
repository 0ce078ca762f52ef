import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Script } from "node:vm";

/**
 * Loads a CommonJS bundle with V8's code cache, the way Node 22's `module.enableCompileCache()` does
 * (Node 20 has no such switch). The cache holds the bytecode V8 compiled for the bundle, functions
 * compiled lazily during a run included, so a cold start neither parses the bundle nor compiles the
 * functions the run calls. It holds code only: no input, no value.
 *
 * The cache is `<file>.<v8 version>.cache`: 32 bytes of SHA-256 over the bundle's bytes, then V8's
 * data. V8 checks its version, its flags and the source's length, not its content, so the hash is
 * ours: a cache written for other bytes is ignored. A missing, stale or rejected cache costs the
 * normal compile and nothing else. The cache is written only when asked (`write`, the build does it).
 */
export type CodeCacheMode = "use" | "write" | "off";

export interface LoadedBundle {
  exports: unknown;
  /** What happened to the cache: used, or why not. */
  cache: "used" | "absent" | "stale" | "rejected" | "off";
  /** Writes the cache from what V8 has compiled of the bundle so far; never throws. */
  save(): void;
}

const HASH_BYTES = 32;

export function codeCachePath(file: string): string {
  return `${file}.${process.versions.v8}.cache`;
}

/** `module.createRequire`, passed in: loading `node:module` starts Node's ESM loader (~5 ms). */
export type CreateRequire = (file: string) => NodeJS.Require;

/**
 * Runs `file` as a CommonJS module (its own `require` from `createRequire`, `module`, `__filename`,
 * `__dirname`) and returns its exports. `write` also writes the cache when the process exits, after
 * the run has compiled what it uses (`save`); a failed write is ignored (the cache is an
 * optimisation). Throws what reading or running the bundle throws.
 */
export function requireWithCodeCache(file: string, createRequire: CreateRequire, mode: CodeCacheMode = "use"): LoadedBundle {
  const bytes = readFileSync(file);
  const hash = createHash("sha256").update(bytes).digest();
  let cachedData: Buffer | undefined;
  let cache: LoadedBundle["cache"] = "off";
  if (mode !== "off") {
    cache = "absent";
    try {
      const stored = readFileSync(codeCachePath(file));
      if (stored.length > HASH_BYTES && stored.subarray(0, HASH_BYTES).equals(hash)) cachedData = stored.subarray(HASH_BYTES);
      else cache = "stale";
    } catch {
      // no cache: compile as usual
    }
  }
  // The wrapper stays on the bundle's first line, so its line numbers in a stack trace stay right.
  const source = `(function (exports, require, module, __filename, __dirname) {${bytes.toString("utf8")}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? "rejected" : "used";
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const save = () => writeCache(codeCachePath(file), () => Buffer.concat([hash, script.createCachedData()]));
  if (mode === "write") process.once("exit", save);
  return { exports: module.exports, cache, save };
}

/** Atomic, like every write here: a reader sees the old cache, the new one, or none. */
function writeCache(path: string, data: () => Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeFileSync(fd, data());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

/**
 * The CLI's way in (the build points both of dist/cli.js's routes here): `SECRETS_CODE_CACHE=write`
 * writes the cache (the build), `off` ignores it; `SECRETS_DEBUG=1` tells what happened to it.
 */
export function loadCodeCached(file: string, createRequire: CreateRequire): Record<string, unknown> {
  const asked = process.env.SECRETS_CODE_CACHE;
  const loaded = requireWithCodeCache(file, createRequire, asked === "write" || asked === "off" ? asked : "use");
  if (process.env.SECRETS_DEBUG === "1") process.stderr.write(`secrets: code cache ${loaded.cache}\n`);
  return loaded.exports as Record<string, unknown>;
}
