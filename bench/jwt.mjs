// Identity tokens (JWTs, issue #15 §9: ≥ 5,000/s): minted through the library (src/identity,
// bundled with esbuild into the bench's temporary folder) in one process,
// sequentially, with each mint's latency for the p99; then through `secrets serve`
// (`GET identity/oidc/token/ci` with an application's token and policy, the ACL and no audit log)
// with autocannon on loopback. Both for an EdDSA (Ed25519) and an ES256 key.
//
//   node bench/jwt.mjs [--quick]                 (run `npm run build` first)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const quick = process.argv.includes("--quick");
const MINTS = quick ? 5_000 : 20_000;
const SECONDS = quick ? 1 : 3;
const TARGET = 5_000;
if (!existsSync(CLI)) {
  console.error("bench/jwt.mjs: dist/ is missing; run `npm run build` first");
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "secrets-bench-jwt-"));
const repo = join(work, "repo");
mkdirSync(repo);
mkdirSync(join(work, "home"));
const env = { PATH: process.env.PATH, HOME: join(work, "home"), XDG_CONFIG_HOME: join(work, "config"), TMPDIR: work, GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.com", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.com" };
const node = process.execPath;
const secrets = (...a) => execFileSync(node, [CLI, ...a], { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const git = (...a) => execFileSync("git", a, { cwd: repo, env, encoding: "utf8" });

// --- the repository: two keys, two roles, a policy and a token -------------------------------------
git("init", "-q");
const recipient = secrets("keygen").trim();
writeFileSync(join(repo, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/identity/oidc/key/\n    age: ${recipient}\n`);
secrets("jwt", "key", "create", "ed");
secrets("jwt", "key", "create", "ec", "--algorithm", "ES256");
const oidc = join(repo, ".secrets", "engines", "identity", "oidc");
mkdirSync(join(oidc, "role"), { recursive: true });
writeFileSync(join(oidc, "config.yaml"), "issuer: https://bench.example\n");
writeFileSync(join(oidc, "role", "ed.yaml"), 'key: ed\nttl: 10m\nclient_id: https://api.example\nsubject: "ci:{{display_name}}"\n');
writeFileSync(join(oidc, "role", "ec.yaml"), 'key: ec\nttl: 10m\nclient_id: https://api.example\nsubject: "ci:{{display_name}}"\n');
mkdirSync(join(repo, ".secrets", "policies"), { recursive: true });
writeFileSync(join(repo, ".secrets", "policies", "jwt.hcl"), 'path "identity/oidc/token/*" {\n  capabilities = ["read"]\n}\n');
const token = secrets("token", "create", "bench", "--policy", "jwt").trim();
git("add", "-A");
git("commit", "-q", "-m", "identity keys and roles");

// --- through the library -----------------------------------------------------------------------------
const bundle = await build({
  stdin: {
    contents: `export { OidcIdentity } from "./src/identity/identity.ts"; export { RepositoryOidcConfig, identityFolder } from "./src/identity/files.ts"; export { Workspace } from "./src/workspace/workspace.ts";`,
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  write: false,
  logLevel: "silent",
  // Bundled packages that use require() need one in an ES module.
  banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
});
const bundleFile = join(work, "identity-bundle.mjs");
writeFileSync(bundleFile, bundle.outputFiles[0].text);
const lib = await import(pathToFileURL(bundleFile).href);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const results = [];
for (const role of ["ed", "ec"]) {
  const ws = new lib.Workspace({ startDir: repo, env });
  const identity = new lib.OidcIdentity({ config: new lib.RepositoryOidcConfig({ folder: lib.identityFolder(repo), workspace: ws }) });
  const subject = { displayName: "bench", accessor: "", meta: {} };
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 200; i++) await identity.token(role, subject, now); // warm-up: the key file decrypted, the key imported
  const lat = new Float64Array(MINTS);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < MINTS; i++) {
    const s = process.hrtime.bigint();
    await identity.token(role, subject, now);
    lat[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const sorted = Array.from(lat).sort((a, b) => a - b);
  results.push({ where: "library", alg: role === "ed" ? "EdDSA" : "ES256", perSecond: MINTS / secs, p50: pct(sorted, 50), p99: pct(sorted, 99) });
}

// --- through the server --------------------------------------------------------------------------------
const proc = spawn(node, [CLI, "serve", "--listen", "127.0.0.1:0"], { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
  proc.stderr.on("data", (c) => {
    stderr += c.toString("utf8");
    const m = /listening on (http:\/\/\S+)/.exec(stderr);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  proc.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
});
try {
  for (const role of ["ed", "ec"]) {
    const target = `${url}/v1/identity/oidc/token/${role}`;
    // Warm-up: the first request decrypts the key file; wait for it, then load the route a moment.
    for (let i = 0; i < 100 && (await fetch(target, { headers: { "x-vault-token": token } })).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    await autocannon({ url: target, connections: 4, duration: 0.5, headers: { "x-vault-token": token } });
    for (const connections of [1, 16]) {
      const r = await autocannon({ url: target, connections, duration: SECONDS, headers: { "x-vault-token": token } });
      const ok = Object.entries(r.statusCodeStats ?? {}).reduce((n, [code, s]) => n + (code.startsWith("2") ? s.count : 0), 0);
      results.push({ where: `server, ${connections} conn`, alg: role === "ed" ? "EdDSA" : "ES256", perSecond: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors + r.timeouts });
    }
  }
} finally {
  proc.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}

console.log("JWT mint rate (identity/oidc/token/:role)");
console.log("| where | alg | tokens/s | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|");
for (const r of results) console.log(`| ${r.where} | ${r.alg} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |${r.non2xx ? ` (${r.non2xx} failed)` : ""}`);
const lib0 = results.filter((r) => r.where === "library");
const best = Math.min(...lib0.map((r) => r.perSecond));
console.log(`(load average during the run: ${(await import("node:os")).loadavg()[0].toFixed(1)} on ${(await import("node:os")).availableParallelism()} cores)`);
console.log(`target (#15 §9): ≥ ${TARGET.toLocaleString("en-US")} JWTs/s through the library: ${best >= TARGET ? "met" : "NOT met"} (slowest algorithm: ${Math.round(best).toLocaleString("en-US")}/s)`);
