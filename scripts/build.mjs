// Builds the CLI and the library into dist/:
//
//   dist/cli.js           the `secrets` entry, CommonJS (dist/package.json says so): it answers
//                         --version itself, sends `decrypt FILE` to the decrypt route and everything
//                         else to the commander program. An ESM entry or ESM chunks would cost every
//                         start ~5 ms of ESM loader set-up, and a resolve/load/link per chunk.
//   dist/chunks/          CommonJS files:
//     decrypt-route-<hash>.cjs
//                         the commander-free decrypt route (src/cli/decrypt-route.ts);
//     program-<hash>.cjs  the commander program (src/cli/program.ts), every command;
//                         each one file, run with its V8 code cache (src/cli/code-cache.ts), which the
//                         build writes beside it from a run on a made-up file: a cold start neither
//                         parses the bundle nor compiles what that run compiled;
//     yaml-lib.cjs, zod-lib.cjs, age-lib.cjs, pg-lib.cjs, sts-lib.cjs, x509-lib.cjs
//                         third-party libraries both require() only when they need them (the full YAML
//                         parser, a .sops.yaml, a post-quantum or passphrase key, a database engine,
//                         the AWS engine's STS client, the pki engine's X.509 library).
//   dist/lib/             the library (the package's `exports`), ESM (its own package.json).
//   dist/types/           its declarations (tsc).
//
// The version is injected so `secrets --version` needs no file read.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  define: { __SECRETS_VERSION__: JSON.stringify(pkg.version) },
  legalComments: "none",
  logLevel: "warning",
};
// Bundled CommonJS dependencies (e.g. simple-git) call require(); give them one in ESM output.
const esmRequire = "import { createRequire as __secretsCreateRequire } from 'node:module'; const require = __secretsCreateRequire(import.meta.url);";

// Chunk names carry a content hash, so a build never overwrites a chunk another process is loading.
// Old chunks are removed only with --clean (npm run build): the test setup rebuilds without it, so
// test runs in parallel in one checkout do not pull files from under each other.
const clean = process.argv.includes("--clean");
if (clean) for (const d of ["dist/chunks", "dist/lib"]) rmSync(d, { recursive: true, force: true });
// Where the library lived before it moved to dist/lib/ (dist/ is CommonJS now).
for (const f of ["dist/index.js", "dist/index.d.ts"]) rmSync(f, { force: true });

// Which files are CommonJS and which are ESM: one package.json per folder.
const scope = (dir, type) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type })}\n`);
};
scope("dist", "commonjs");
// dist/chunks held ESM chunks before: without --clean their package.json would outlive them.
rmSync("dist/chunks/package.json", { force: true });
scope("dist/lib", "module");
scope("dist/types", "module");

// --- third-party libraries as CommonJS files, each loaded on first use ---------------------------
const libs = {
  "yaml-lib.cjs": `export * from "yaml";`,
  // One file for the three entry points, so they share zod's core (and its classes).
  "zod-lib.cjs": `export * as zod from "zod"; export * as mini from "zod/mini"; export * as core from "zod/v4/core";`,
  "age-lib.cjs": `export * from "age-encryption";`,
  // HashiCorp's HCL parser as WebAssembly (Vault policies, `secrets serve`): it reads
  // `../main.wasm.gz` from its own folder, so the file is copied beside dist/chunks below.
  "hcl2json-lib.cjs": `export * from "@cdktn/hcl2json";`,
  // node-postgres, for the database engine (src/engines/postgres/admin.ts imports it on first use).
  "pg-lib.cjs": `module.exports = require("pg");`,
  // AWS's STS client, for the AWS engine (src/engines/aws/sts.ts imports it on first use).
  "sts-lib.cjs": `module.exports = require("@aws-sdk/client-sts");`,
  // @peculiar/x509, for the pki engine (src/engines/pki/x509-lib.ts imports it on first use, after
  // the Reflect metadata shim its tsyringe needs).
  "x509-lib.cjs": `module.exports = require("@peculiar/x509");`,
};
// pg's optional native binding (pg.native, which nothing here uses) is not bundled: its require()
// fails as a missing module does, which pg's lazy `native` getter expects.
const noPgNative = {
  name: "no-pg-native",
  setup(b) {
    b.onResolve({ filter: /^pg-native$/ }, () => ({ path: "pg-native", namespace: "no-pg-native" }));
    b.onLoad({ filter: /.*/, namespace: "no-pg-native" }, () => ({
      loader: "js",
      contents: `const e = new Error("pg-native is not bundled"); e.code = "MODULE_NOT_FOUND"; throw e;`,
    }));
  },
};
for (const [name, contents] of Object.entries(libs)) {
  // `performance`: the Go WebAssembly loader's fallback for runtimes without globalThis.performance
  // (Node has it since 16), never reached here; left as a require that is never run.
  await build({ ...common, stdin: { contents, resolveDir: process.cwd() }, format: "cjs", outfile: `dist/chunks/${name}`, external: ["performance"], plugins: [noPgNative] });
}
// How bundled code reaches them: `yaml` and src/sops/stores/yaml-lib.ts (the full parser), zod and
// age-encryption, each a module that require()s its file when it is first evaluated.
const libModules = {
  yaml: ["yaml-lib.cjs", ""],
  zod: ["zod-lib.cjs", ".zod"],
  "zod/mini": ["zod-lib.cjs", ".mini"],
  "zod/v4/core": ["zod-lib.cjs", ".core"],
  "age-encryption": ["age-lib.cjs", ""],
  "@cdktn/hcl2json": ["hcl2json-lib.cjs", ""],
  pg: ["pg-lib.cjs", ""],
  "@aws-sdk/client-sts": ["sts-lib.cjs", ""],
  "@peculiar/x509": ["x509-lib.cjs", ""],
};
// The parser's WebAssembly, where its bundled loader (dist/chunks/hcl2json-lib.cjs) looks: `${__dirname}/../main.wasm.gz`.
copyFileSync(join("node_modules", "@cdktn", "hcl2json", "main.wasm.gz"), join("dist", "main.wasm.gz"));
const deferLibs = {
  name: "defer-libs",
  setup(b) {
    b.onResolve({ filter: /\/yaml-lib\.js$/ }, () => ({ path: "yaml-lib", namespace: "defer-lib" }));
    const filter = new RegExp(`^(${Object.keys(libModules).map((n) => n.replace(/[/.]/g, "\\$&")).join("|")})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "defer-lib" }));
    b.onResolve({ filter: /^\.\/[a-z0-9]+-lib\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "defer-lib" }, (args) => {
      if (args.path === "yaml-lib") {
        return { loader: "js", contents: `let lib; export function loadYamlLib() { return (lib ??= require("./yaml-lib.cjs")); }` };
      }
      const [file, member] = libModules[args.path];
      return { loader: "js", contents: `module.exports = require("./${file}")${member};` };
    });
  },
};

// --- the decrypt route and the commander program: one CommonJS file each --------------------------
async function bundle(entry) {
  const result = await build({
    ...common,
    format: "cjs",
    entryPoints: [entry],
    outdir: "dist/chunks",
    entryNames: "[name]-[hash]",
    outExtension: { ".js": ".cjs" },
    metafile: true,
    // vm.Script, which runs it with its code cache, has no ESM loader behind it: import() of a
    // built-in becomes require(), and a module imported lazily is evaluated when first imported.
    supported: { "dynamic-import": false },
    plugins: [deferLibs],
  });
  const file = Object.keys(result.metafile.outputs).find((f) => f.endsWith(".cjs"));
  if (/\bimport\(/.test(readFileSync(file, "utf8"))) throw new Error(`${file} has a dynamic import()`);
  return basename(file);
}
const routes = { "./decrypt-route.js": await bundle("src/cli/decrypt-route.ts"), "./program.js": await bundle("src/cli/program.ts") };

// --- the entry (CommonJS) -------------------------------------------------------------------------
const codeCacheModule = resolve("src/cli/code-cache.ts");
await build({
  ...common,
  format: "cjs",
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  banner: { js: "#!/usr/bin/env node" },
  plugins: [
    {
      // main.ts imports ./decrypt-route.js and ./program.js: each becomes a module that loads its bundle.
      name: "routes",
      setup(b) {
        b.onResolve({ filter: /^\.\/(decrypt-route|program)\.js$/ }, (args) => ({ path: args.path, namespace: "route" }));
        b.onLoad({ filter: /.*/, namespace: "route" }, (args) => ({
          loader: "js",
          resolveDir: process.cwd(),
          contents: `const { loadCodeCached } = require(${JSON.stringify(codeCacheModule)});
            // The entry's own Module class: require("node:module") would start the ESM loader.
            module.exports = loadCodeCached(__dirname + "/chunks/" + ${JSON.stringify(routes[args.path])}, (f) => require.main.constructor.createRequire(f));`,
        }));
      },
    },
  ],
});
chmodSync("dist/cli.js", 0o755);

// --- the code caches, from runs on a made-up file ---------------------------------------------------
{
  const work = mkdtempSync(join(tmpdir(), "secrets-build-"));
  try {
    // A clean environment: no NODE_OPTIONS (V8 refuses a cache made under other flags), no real keys.
    const env = { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: join(work, "config") };
    const cli = (args, extra = {}) => execFileSync(process.execPath, [resolve("dist/cli.js"), ...args], { cwd: work, env: { ...env, ...extra }, encoding: "utf8", stdio: "pipe" });
    const recipient = cli(["keygen"]).trim();
    let yaml = "# made up for the build\n";
    for (let s = 0; s < 20; s++) {
      yaml += `service_${s}:\n  url: https://example.com/${s}\n  port: ${8000 + s}\n  ratio: 0.${s}5\n  enabled: true\n  tags:\n    - a${s}\n    - "b ${s}"\n`;
    }
    writeFileSync(join(work, "made-up.yaml"), yaml);
    // The program's cache: commander and every command's registration, and `encrypt`.
    cli(["encrypt", "-i", "--age", recipient, "made-up.yaml"], { SECRETS_CODE_CACHE: "write" });
    cli(["decrypt", "made-up.yaml"], { SECRETS_CODE_CACHE: "write" });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The library's AWS engine loads the STS client the CLI already ships as dist/chunks/sts-lib.cjs
// (over 1 MB): a second bundled copy in dist/lib put the installed package over its 10 MiB budget
// (test/sdk/pack.test.ts). Every library chunk sits in dist/lib, so the relative path holds.
const stsFromCliChunk = {
  name: "sts-from-cli-chunk",
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/client-sts$/ }, () => ({ path: "sts", namespace: "sts-from-cli-chunk" }));
    b.onResolve({ filter: /^\.\.\/chunks\/sts-lib\.cjs$/ }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "sts-from-cli-chunk" }, () => ({ loader: "js", contents: `module.exports = require("../chunks/sts-lib.cjs");` }));
  },
};

// --- the library (the package's `exports`) --------------------------------------------------------
// dist/lib/index.js, ESM (its users import it), code-split so that importing the SDK parses only
// what a `get` needs. Types: tsc with tsconfig.lib.json (declarations only) into dist/types/, re-exported by
// dist/lib/index.d.ts. tsc runs only when a source is newer than the last declarations (it takes seconds).
await build({
  ...common,
  format: "esm",
  entryPoints: { index: "src/index.ts" },
  outdir: "dist/lib",
  splitting: true,
  chunkNames: "[name]-[hash]",
  banner: { js: esmRequire },
  // The SDK's dynamic secrets reach pg (a chunk of its own, loaded on the first getDynamic).
  plugins: [noPgNative, stsFromCliChunk],
});

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}
const dts = "dist/lib/index.d.ts";
const stale = !existsSync(dts) || !existsSync("dist/types/index.d.ts")
  || statSync(dts).mtimeMs < Math.max(newestMtime("src"), statSync("tsconfig.lib.json").mtimeMs, statSync("tsconfig.json").mtimeMs);
if (stale) {
  // Incremental: the build info lives in dist/types, so removing that folder forces a full emit.
  execFileSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.lib.json"], { stdio: "inherit" });
  writeFileSync(dts, 'export * from "../types/index.js";\n');
}
