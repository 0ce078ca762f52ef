// Bundles the CLI into dist/cli.js (ESM). Code splitting puts each lazily imported part (commands,
// stores, the YAML library, zod, age-encryption) in its own chunk under dist/chunks/, so a command
// parses only the code it runs: a cold `secrets --version` loads one small file.
// The version is injected so `secrets --version` needs no file read.
import { build } from "esbuild";
import { join } from "node:path";
import { readFileSync, chmodSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  define: { __SECRETS_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (e.g. simple-git) call require(); give them one in the ESM output.
  banner: { js: "import { createRequire as __secretsCreateRequire } from 'node:module'; const require = __secretsCreateRequire(import.meta.url);" },
  legalComments: "none",
  logLevel: "warning",
};

import { rmSync } from "node:fs";
// Chunk names carry a content hash, so a build never overwrites a chunk another process is loading.
// Old chunks are removed only with --clean (npm run build): the test setup rebuilds without it, so
// test runs in parallel in one checkout do not pull files from under each other.
const clean = process.argv.includes("--clean");
if (clean) rmSync("dist/chunks", { recursive: true, force: true });
// The `yaml` package as one CommonJS file that the CLI require()s on first use (see
// src/sops/stores/yaml-lib.ts): a static import would make every YAML command parse it at start-up.
await build({ ...common, entryPoints: ["node_modules/yaml/dist/index.js"], format: "cjs", outfile: "dist/chunks/yaml-lib.cjs", banner: {} });
const deferYamlLib = {
  name: "defer-yaml-lib",
  setup(b) {
    b.onResolve({ filter: /\/yaml-lib\.js$/ }, (args) => ({ path: join(args.resolveDir, "yaml-lib.ts"), namespace: "defer-yaml-lib" }));
    b.onLoad({ filter: /.*/, namespace: "defer-yaml-lib" }, () => ({
      loader: "js",
      contents: `let lib; export function loadYamlLib() { return (lib ??= require("./yaml-lib.cjs")); }`,
    }));
  },
};
await build({
  ...common,
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: "#!/usr/bin/env node\n" + common.banner.js },
  plugins: [deferYamlLib],
  // The require above is resolved at run time, next to the chunk, by the banner's createRequire.
  external: ["./yaml-lib.cjs"],
});
chmodSync("dist/cli.js", 0o755);

// The library (the package's `exports`): dist/index.js, code-split like the CLI so that importing the
// SDK parses only what a `get` needs, with its chunks under dist/lib/ (the CLI's stay its own).
// Types: tsc with tsconfig.lib.json (declarations only) into dist/types/, re-exported by
// dist/index.d.ts. tsc runs only when a source is newer than the last declarations (it takes seconds).
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

if (clean) rmSync("dist/lib", { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { index: "src/index.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "lib/[name]-[hash]",
});

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}
const dts = "dist/index.d.ts";
const stale = !existsSync(dts) || !existsSync("dist/types/index.d.ts")
  || statSync(dts).mtimeMs < Math.max(newestMtime("src"), statSync("tsconfig.lib.json").mtimeMs, statSync("tsconfig.json").mtimeMs);
if (stale) {
  // Incremental: the build info lives in dist/types, so removing that folder forces a full emit.
  execFileSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.lib.json"], { stdio: "inherit" });
  writeFileSync(dts, 'export * from "./types/index.js";\n');
}
