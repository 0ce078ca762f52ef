// `secrets serve` (dist/cli.js) under load, with autocannon on loopback, beside a bare `node:http`
// server answering a fixed JSON body in the same run (the ceiling for this runtime on this machine):
// KV v2 reads at 1, 16 and 64 connections, KV v2 writes (each acknowledged write is in a commit) at 1
// and 16, the first answered health check after a start with 1,000 secret files, and the server's
// resident memory with those 1,000 files of 20 values read. Issue #14 §9 sets the targets checked
// at the end. Each bare run is interleaved with the server run it is compared with, so that the
// machine's drift over the run stays out of the ratios.
//
//   node bench/server.mjs [--quick] [--seconds S]       (run `npm run build` first)
//   KEEP=1 node bench/server.mjs                        (keeps the repository, for profiling)
//
// The repository: 1,000 files of 20 values under secrets/bench/, made by copying one file the CLI
// encrypted and then setting one value of each copy through the SDK, so that every file is a blob of
// its own (copies alone would share one blob, and one decryption, between all 1,000). Requests carry
// a repository token with an HCL policy, as an application's would. Reads go round all 1,000
// files; writes replace the data of those files (one value changed each time). Both servers run in
// processes of their own; autocannon runs in this one.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const LIB = pathToFileURL(join(ROOT, "dist", "lib", "index.js")).href;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const SECONDS = Number(args[args.indexOf("--seconds") + 1]) || (quick ? 1 : 3);
const FILES = 1000;
const VALUES = 20;
if (!existsSync(CLI) || !existsSync(join(ROOT, "dist", "lib", "index.js"))) {
  console.error("bench/server.mjs: dist/ is missing; run `npm run build` first");
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "secrets-bench-server-"));
const repo = join(work, "repo");
mkdirSync(repo);
mkdirSync(join(work, "home"));
const env = {
  PATH: process.env.PATH,
  HOME: join(work, "home"),
  XDG_CONFIG_HOME: join(work, "config"),
  TMPDIR: work,
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};
const node = process.execPath;
const secrets = (...a) => execFileSync(node, [CLI, ...a], { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const git = (...a) => execFileSync("git", a, { cwd: repo, env, encoding: "utf8" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the repository --------------------------------------------------------------------------------
let t0 = Date.now();
git("init", "-q", "-b", "main");
secrets("keygen");
secrets("init");
mkdirSync(join(repo, "secrets", "bench"), { recursive: true });
const template = join(repo, "secrets", "template.yaml");
writeFileSync(template, Array.from({ length: VALUES }, (_, k) => `key_${String(k).padStart(2, "0")}: value-${k}-${"x".repeat(24)}\n`).join(""));
secrets("encrypt", "-i", "secrets/template.yaml");
const name = (i) => `f${String(i).padStart(4, "0")}`;
for (let i = 0; i < FILES; i++) copyFileSync(template, join(repo, "secrets", "bench", `${name(i)}.yaml`));
rmSync(template);
process.env.SOPS_AGE_KEY_FILE = join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt");
{
  const { SecretsClient } = await import(LIB);
  const client = new SecretsClient({ root: join(repo, "secrets") });
  for (let i = 0; i < FILES; i++) await client.set(`bench/${name(i)}/key_00`, `own-value-${i}-${"y".repeat(16)}`);
}
// The token the load runs with: an application's, with a policy from the repository (read on
// every request, as the server does), not the root token, which no policy is looked up for.
mkdirSync(join(repo, ".secrets", "policies"), { recursive: true });
writeFileSync(join(repo, ".secrets", "policies", "bench.hcl"), 'path "secret/data/bench/*" {\n  capabilities = ["create", "read", "update"]\n}\n');
const token = secrets("token", "create", "bench", "--policy", "bench").trim();
git("add", "-A");
git("commit", "-q", "-m", "1,000 files of 20 values");
const fixtureSeconds = (Date.now() - t0) / 1000;

// --- processes --------------------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** GET `url`; resolves with status and body, rejects on a connection error. */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
  });
}

/**
 * Starts a process that will listen on `port` and polls `healthPath` every 2 ms from the moment it
 * is spawned; resolves with the process and the milliseconds to the first answer (bounded: 20 s).
 */
async function startAndTime(argv, port, healthPath) {
  const start = process.hrtime.bigint();
  const proc = spawn(node, argv, { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c.toString("utf8")));
  let exited = false;
  proc.once("exit", () => (exited = true));
  for (let i = 0; i < 10_000; i++) {
    if (exited) throw new Error(`${argv.join(" ")} exited: ${stderr}`);
    try {
      const r = await get(`http://127.0.0.1:${port}${healthPath}`);
      if (r.status === 200) return { proc, ms: Number(process.hrtime.bigint() - start) / 1e6, stderr: () => stderr };
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  proc.kill("SIGKILL");
  throw new Error(`${argv.join(" ")} did not answer within 20 s: ${stderr}`);
}

function stop(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
    setTimeout(() => proc.kill("SIGKILL"), 15_000).unref();
  });
}

function status(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

// The bare ceiling: node:http answering a fixed JSON body of a KV read's size, reading any request body first.
const fixedBody = JSON.stringify({ request_id: "00000000-0000-0000-0000-000000000000", lease_id: "", renewable: false, lease_duration: 0, data: { data: Object.fromEntries(Array.from({ length: VALUES }, (_, k) => [`key_${k}`, `value-${k}-${"x".repeat(24)}`])), metadata: { created_time: "2026-01-01T00:00:00Z", custom_metadata: null, deletion_time: "", destroyed: false, version: 1 } }, wrap_info: null, warnings: null, auth: null, mount_type: "kv" }) + "\n";
const bareScript = join(work, "bare.mjs");
writeFileSync(bareScript, `import http from "node:http";
const body = ${JSON.stringify(fixedBody)};
http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body));
}).listen(Number(process.argv[2]), "127.0.0.1");
`);

// --- start-up, with 1,000 files ---------------------------------------------------------------------
const port = await freePort();
const serveArgs = [CLI, "serve", "--listen", `127.0.0.1:${port}`];
const starts = [];
let served;
for (let i = 0; i < 3; i++) {
  if (served) await stop(served.proc);
  served = await startAndTime(serveArgs, port, "/v1/sys/health");
  starts.push(served.ms);
}
const auth = { "X-Vault-Token": token };
const pid = served.proc.pid;
const rssStarted = status(pid, "VmRSS");

// --- resident memory with every file read ------------------------------------------------------------
t0 = Date.now();
for (let i = 0; i < FILES; i += 8) {
  const batch = await Promise.all(Array.from({ length: Math.min(8, FILES - i) }, (_, j) => get(`http://127.0.0.1:${port}/v1/secret/data/bench/${name(i + j)}`, auth)));
  for (const r of batch) {
    if (r.status !== 200 || Object.keys(JSON.parse(r.body).data.data).length !== VALUES) throw new Error(`read failed: ${r.status}`);
  }
}
const readAllMs = Date.now() - t0;
await sleep(200);
const rssLoaded = status(pid, "VmRSS");

// --- load --------------------------------------------------------------------------------------------
const barePort = await freePort();
const bare = await startAndTime([bareScript, String(barePort)], barePort, "/");

function cannon(url, connections, extra = {}) {
  return autocannon({ url, connections, duration: SECONDS, ...extra });
}
/** Throughput of answered requests (2xx only: a server that fails fast must not look fast) and latency. */
function summary(r) {
  const ok = Object.entries(r.statusCodeStats ?? {}).reduce((n, [code, s]) => n + (code.startsWith("2") ? s.count : 0), 0);
  return { rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, ok };
}

const readRequests = () => {
  let n = 0;
  return [{ method: "GET", headers: auth, setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bench/${name(n++ % FILES)}` }) }];
};
// Writes replace the data of the secrets read above (vault-benchmark's KV write test also writes
// over a fixed set of keys), one value changed each time, so most ciphertexts are kept.
const writeBody = (i) => JSON.stringify({ data: Object.fromEntries(Array.from({ length: VALUES }, (_, k) => [`key_${String(k).padStart(2, "0")}`, k === 0 ? `written-${i}` : `value-${k}-${"x".repeat(24)}`])) });
let written = 0;
const writeRequests = () => [{ method: "POST", headers: { ...auth, "Content-Type": "application/json" }, setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bench/${name(written % FILES)}`, body: writeBody(written++) }) }];

const rows = [];
for (const c of [1, 16, 64]) {
  const b = summary(await cannon(`http://127.0.0.1:${barePort}/`, c));
  const s = summary(await cannon(`http://127.0.0.1:${port}/`, c, { requests: readRequests() }));
  rows.push({ kind: "read", c, bare: b, serve: s });
}
const commitsBefore = Number(git("rev-list", "--count", "HEAD").trim());
let acknowledged = 0;
for (const c of [1, 16]) {
  const b = summary(await cannon(`http://127.0.0.1:${barePort}/`, c, { method: "POST", body: writeBody(0), headers: { "Content-Type": "application/json" } }));
  const s = summary(await cannon(`http://127.0.0.1:${port}/`, c, { requests: writeRequests() }));
  acknowledged += s.ok;
  rows.push({ kind: "write", c, bare: b, serve: s });
}
const rssAfter = status(pid, "VmRSS");
const rssPeak = status(pid, "VmHWM");
await stop(bare.proc);
await stop(served.proc);
const commitsMade = Number(git("rev-list", "--count", "HEAD").trim()) - commitsBefore;
const dirty = git("status", "--porcelain", "--", "secrets").trim();

// --- report ------------------------------------------------------------------------------------------
const sorted = [...starts].sort((a, b) => a - b);
const firstHealth = sorted[1];
const fx = (x, d = 0) => x.toFixed(d).padStart(8);
console.log(`\nsecrets serve (dist/cli.js) vs a bare node:http server, loopback, autocannon ${SECONDS} s per row; fixture ${fixtureSeconds.toFixed(1)} s`);
console.log(`\n${"".padEnd(22)}${"bare req/s".padStart(12)}${"serve req/s".padStart(12)}${"ratio".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"non-2xx".padStart(9)}`);
for (const r of rows) {
  const label = `${r.kind} ${r.c} connection${r.c > 1 ? "s" : ""}`;
  console.log(`${label.padEnd(22)}${fx(r.bare.rps).padStart(12)}${fx(r.serve.rps).padStart(12)}${(r.serve.rps / r.bare.rps).toFixed(2).padStart(7)}x${fx(r.serve.p50, 1)}${fx(r.serve.p99, 1)}${String(r.serve.non2xx + r.serve.errors).padStart(9)}`);
}
console.log(`\nfirst answered sys/health after start, ${FILES} files: ${starts.map((x) => x.toFixed(0)).join(", ")} ms (median ${firstHealth.toFixed(0)})`);
console.log(`reading all ${FILES} files (8 at a time): ${readAllMs} ms`);
console.log(`resident memory (VmRSS): ${rssStarted.toFixed(1)} MB at start, ${rssLoaded.toFixed(1)} MB with ${FILES} files of ${VALUES} values read, ${rssAfter.toFixed(1)} MB after the load (peak ${rssPeak.toFixed(1)} MB)`);
console.log(`writes: ${acknowledged} acknowledged, ${commitsMade} commits${dirty ? `; UNCOMMITTED in the work tree:\n${dirty}` : ""}`);

const read16 = rows.find((r) => r.kind === "read" && r.c === 16);
const write16 = rows.find((r) => r.kind === "write" && r.c === 16);
console.log("\ntargets (issue #14 §9)");
let failed = false;
const check = (label, ok, shown) => {
  console.log(`${ok ? "ok  " : "MISS"} ${label.padEnd(56)} ${shown}`);
};
check("reads, 16 connections: >= 0.5x the bare server", read16.serve.rps / read16.bare.rps >= 0.5, `${(read16.serve.rps / read16.bare.rps).toFixed(2)}x`);
check("reads, 16 connections: p99 < 10 ms", read16.serve.p99 < 10, `${read16.serve.p99} ms`);
check("writes, 16 connections: >= 200/s", write16.serve.rps >= 200, `${write16.serve.rps.toFixed(0)}/s`);
check("writes, 16 connections: p99 < 100 ms", write16.serve.p99 < 100, `${write16.serve.p99} ms`);
check(`first health check < 300 ms with ${FILES} files`, firstHealth < 300, `${firstHealth.toFixed(0)} ms`);
check(`resident memory < 200 MB with ${FILES} files of ${VALUES} values read`, rssLoaded < 200, `${rssLoaded.toFixed(1)} MB`);
// Correctness, not speed: every answer a 2xx, and every acknowledged write in a commit.
const errors = rows.reduce((n, r) => n + r.serve.non2xx + r.serve.errors, 0);
if (errors > 0 || dirty) {
  console.log(`FAIL ${errors} requests not answered with 2xx${dirty ? "; the work tree holds uncommitted changes" : ""}`);
  failed = true;
}
if (failed) process.exitCode = 1;
if (process.env.KEEP) console.log(`\nkept: ${repo} (start it with: node ${CLI} serve; the bench token's hash is in .secrets/tokens.yaml)`);
else rmSync(work, { recursive: true, force: true });
