// Bundles the CLI into dist/cli.js (ESM). Code splitting puts each lazily imported part (commands,
// stores, the YAML library, zod, age-encryption) in its own chunk under dist/chunks/, so a command
// parses only the code it runs: a cold `secrets --version` loads one small file.
// The version is injected so `secrets --version` needs no file read.
import { build } from "esbuild";
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
rmSync("dist/chunks", { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: "#!/usr/bin/env node\n" + common.banner.js },
});
chmodSync("dist/cli.js", 0o755);
