// Bundles the GitHub Action into two self-contained files, action/dist/index.js (main step) and
// action/dist/post.js (post step): the runner installs nothing, so every dependency (the library,
// @actions/core, zod, yaml) is inside. They are committed; test/action/dist-fresh.test.ts rebuilds
// into a temporary directory and compares bytes, so the output must be deterministic: no splitting
// (chunk hashes), no source maps, no metafile, paths relative to the repository root.
//
// Minified: the runner compiles the whole file on every start, and start-up time grows with its
// size (about 30 ms per MB). The sources are in action/src; the bundle is never read by people.
// `@actions/http-client` is replaced by action/src/no-http-client.ts (see there): it only serves
// getIDToken, and it would pull in undici.
//
//   node scripts/build-action.mjs [--outdir DIR]
import { build } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outdir = args.includes("--outdir") ? resolve(args[args.indexOf("--outdir") + 1]) : join(ROOT, "action", "dist");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

mkdirSync(outdir, { recursive: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: { index: "action/src/index.ts", post: "action/src/index-post.ts" },
  outdir,
  bundle: true,
  platform: "node",
  // runs.using is node24; the bundle must also run on node20 runners and runners pinned to it.
  target: "node20",
  format: "esm",
  define: { __SECRETS_VERSION__: JSON.stringify(pkg.version) },
  // The toolkit's CommonJS dependencies call require() for Node built-ins: give the ESM bundle one.
  banner: { js: "import { createRequire as __actionCreateRequire } from 'node:module'; const require = __actionCreateRequire(import.meta.url);" },
  legalComments: "none",
  charset: "utf8",
  minify: true,
  logLevel: "warning",
  plugins: [
    {
      // pg's optional native binding is not bundled (as in scripts/build.mjs): its require() fails
      // as a missing module does, which pg's lazy `native` getter expects.
      name: "no-pg-native",
      setup(b) {
        b.onResolve({ filter: /^pg-native$/ }, () => ({ path: "pg-native", namespace: "no-pg-native" }));
        b.onLoad({ filter: /.*/, namespace: "no-pg-native" }, () => ({
          loader: "js",
          contents: `const e = new Error("pg-native is not bundled"); e.code = "MODULE_NOT_FOUND"; throw e;`,
        }));
      },
    },
    {
      name: "no-http-client",
      setup(b) {
        b.onResolve({ filter: /^@actions\/http-client(\/.*)?$/ }, () => ({ path: join(ROOT, "action", "src", "no-http-client.ts") }));
      },
    },
  ],
});
