// `node bench/pki.mjs [--quick]`: EC P-256 certificates issued per second by `secrets serve`'s pki
// mount (dist/cli.js), through the server: autocannon on loopback POSTs `pki/issue/web` (a new P-256
// key and its certificate per request, recorded in the state directory) for a few seconds, with 8
// connections. The target: >= 500/s. Needs a built dist/cli.js (`npm run build`).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const require = createRequire(import.meta.url);
const autocannon = require("autocannon");
const quick = process.argv.includes("--quick");
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 8;

const work = mkdtempSync(join(tmpdir(), "secrets-bench-pki-"));
const repo = join(work, "repo");
mkdirSync(repo);
const env = { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: join(work, "config"), TMPDIR: work, GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "bench@example.com", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "bench@example.com" };
const node = process.execPath;
const run = (cmd, argv) => execFileSync(cmd, argv, { cwd: repo, env, encoding: "utf8" });

let proc;
try {
  run("git", ["init", "-q", "-b", "main"]);
  const recipient = run(node, [CLI, "keygen"]).trim();
  writeFileSync(join(repo, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/ca-key\\.yaml$\n    age: ${recipient}\n`);
  mkdirSync(join(repo, ".secrets"));
  writeFileSync(join(repo, ".secrets", "mounts.yaml"), "secrets:\n  pki/:\n    type: pki\n");
  run("git", ["add", "-A"]);
  run("git", ["commit", "-q", "-m", "pki"]);

  proc = spawn(node, [CLI, "serve", "--listen", "127.0.0.1:0"], { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const { url, token } = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    proc.stderr.on("data", (c) => {
      stderr += c.toString("utf8");
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      const t = /^Root Token: (\S+)$/m.exec(stderr);
      if (m && t) {
        clearTimeout(timer);
        resolve({ url: m[1], token: t[1] });
      }
    });
    proc.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const headers = { "X-Vault-Token": token, "Content-Type": "application/json" };
  const post = async (path, body) => {
    const r = await fetch(`${url}/v1/${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  await post("pki/root/generate/internal", { common_name: "Bench Root", key_type: "ec" });
  await post("pki/roles/web", { allowed_domains: "example.com", allow_subdomains: true, key_type: "ec", key_bits: 256, ttl: "1h" });
  // Warm-up: the first requests load the X.509 library and decrypt the CA key.
  for (let i = 0; i < 20; i++) await post("pki/issue/web", { common_name: "warm.example.com" });

  const r = await autocannon({ url: `${url}/v1/pki/issue/web`, connections: CONNECTIONS, duration: SECONDS, method: "POST", headers, body: JSON.stringify({ common_name: "svc.example.com" }) });
  const ok = Object.entries(r.statusCodeStats ?? {}).reduce((n, [code, s]) => n + (code.startsWith("2") ? s.count : 0), 0);
  const rate = ok / r.duration;
  console.log(`pki/issue/web, EC P-256, ${CONNECTIONS} connections, ${SECONDS} s: ${rate.toFixed(0)} certificates/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx + r.errors}`);
  console.log(`${rate >= 500 ? "ok  " : "MISS"} EC P-256 certificates issued through the server: >= 500/s`.padEnd(70) + ` ${rate.toFixed(0)}/s`);
  if (r.non2xx + r.errors > 0) process.exitCode = 1;
} finally {
  proc?.kill("SIGTERM");
  await new Promise((resolve) => (proc && proc.exitCode === null ? proc.once("exit", resolve) : resolve()));
  rmSync(work, { recursive: true, force: true });
}
