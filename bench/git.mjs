// `node bench/git.mjs [--quick] [--runs N]`: whole-process timing of `secrets log` on a secrets file
// with 200 commits (the git issue's target: about a second), in a temporary repository. Also times
// `log --values` (every version decrypted) and `audit`. Needs a built dist/cli.js (`npm run build`).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const RUNS = Number(args[args.indexOf("--runs") + 1]) || (quick ? 5 : 11);
const COMMITS = 200;
const KEYS = 30;

const work = mkdtempSync(join(tmpdir(), "secrets-bench-git-"));
const repo = join(work, "repo");
mkdirSync(repo);
const env = {
  PATH: process.env.PATH,
  HOME: work,
  XDG_CONFIG_HOME: join(work, "config"),
  TMPDIR: work,
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};
const node = process.execPath;
const run = (cmd, argv, input) => execFileSync(cmd, argv, { cwd: repo, env, input, stdio: ["pipe", "pipe", "pipe"] });
const secrets = (...a) => run(node, [CLI, ...a]);

try {
  // --- a file with COMMITS commits: each commit changes one value (as `secrets set` does) ---------
  const t0 = process.hrtime.bigint();
  run("git", ["init", "-q", "-b", "main"]);
  secrets("keygen");
  secrets("init");
  mkdirSync(join(repo, "secrets"));
  const plain = Array.from({ length: KEYS }, (_, i) => `service_${i}:\n    password: initial-${i}\n    user: user-${i}\n`).join("");
  writeFileSync(join(repo, "secrets", "app.yaml"), plain);
  secrets("encrypt", "-i", "secrets/app.yaml");
  run("git", ["add", "-A"]);
  run("git", ["commit", "-q", "-m", "commit 1"]);
  for (let c = 2; c <= COMMITS; c++) {
    secrets("set", "secrets/app.yaml", `["service_${c % KEYS}"]["password"]`, JSON.stringify(`value-${c}`));
    run("git", ["commit", "-q", "-a", "-m", `commit ${c}`]);
  }
  const setupS = Number(process.hrtime.bigint() - t0) / 1e9;
  const count = run("git", ["rev-list", "--count", "HEAD"]).toString().trim();

  // --- measurements ------------------------------------------------------------------------------
  function time(argv) {
    const s = process.hrtime.bigint();
    const r = spawnSync(node, [CLI, ...argv], { cwd: repo, env, stdio: ["ignore", "ignore", "pipe"] });
    if (r.status !== 0) throw new Error(`secrets ${argv.join(" ")} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - s) / 1e6;
  }
  function median(argv) {
    time(argv); // warm-up
    const xs = Array.from({ length: RUNS }, () => time(argv)).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  }
  const base = (() => {
    const xs = Array.from({ length: RUNS }, () => {
      const s = process.hrtime.bigint();
      spawnSync(node, ["-e", "0"]);
      return Number(process.hrtime.bigint() - s) / 1e6;
    }).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  })();
  const rows = [
    ["node -e 0", base],
    [`secrets log (${count} commits, ${KEYS * 2} secrets)`, median(["log", "secrets/app.yaml"])],
    ["secrets log --format json", median(["log", "secrets/app.yaml", "--format", "json"])],
    ["secrets log --values (every version decrypted)", median(["log", "secrets/app.yaml", "--values"])],
    ["secrets audit --format json", median(["audit", "--format", "json"])],
  ];
  console.log(`\nrepository of ${count} commits built in ${setupS.toFixed(1)} s; whole-process medians of ${RUNS} runs (ms)\n`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(52)}${ms.toFixed(1).padStart(9)}`);
  const log = rows[1][1];
  console.log(`\ntargets\n${log <= 1000 ? "ok  " : "MISS"} secrets log on ${COMMITS} commits <= 1000 ms`.padEnd(60) + `${log.toFixed(0)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
