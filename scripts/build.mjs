// Bundles the CLI into dist/cli.js (one file, ESM) and the library entry into dist/index.js.
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

await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.js",
  banner: { js: "#!/usr/bin/env node\n" + common.banner.js },
});
chmodSync("dist/cli.js", 0o755);
