import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** What scripts/build.mjs reads: when none of it changed and dist/ is as that build left it, dist/ is current. */
const INPUTS = ["src", "scripts/build.mjs", "package.json", "package-lock.json", "node_modules/.package-lock.json", "tsconfig.json", "tsconfig.lib.json"];

/** Files under each path (itself if a file), sorted; a missing path gives none. */
function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** SHA-256 over each file's path and bytes, and the strings given. */
function digest(paths: string[], extra: string[] = []): string {
  const h = createHash("sha256");
  for (const s of extra) h.update(`${s}\0`);
  for (const f of paths.flatMap(filesUnder)) h.update(`${f}\0`).update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/**
 * CLI tests run the real bundle: build it once, from the current sources, before any test. The
 * build is skipped when its inputs and Node (the code caches are V8's) are those of the last build
 * this setup ran and dist/ is byte for byte what that build left (so a build from other sources in
 * between, or a changed file in dist/, means a rebuild). The stamp lives in the temp folder, not in
 * dist/: the package publishes dist/.
 */
export default function setup(): void {
  const stamp = join(tmpdir(), `gitops-secrets-build-${createHash("sha256").update(resolve(".")).digest("hex").slice(0, 16)}.stamp`);
  const inputs = digest(INPUTS, [process.version, process.execPath]);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === `${inputs}\n${digest(["dist"])}\n`) return;
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  // Written whole, then renamed: a concurrent setup reads the old stamp or the new one.
  writeFileSync(`${stamp}.${process.pid}`, `${inputs}\n${digest(["dist"])}\n`);
  renameSync(`${stamp}.${process.pid}`, stamp);
}
