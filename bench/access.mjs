// Access-policy benchmark: whole-process medians of `secrets verify` (no key) and `secrets policy
// diff` on a git repository of 2,000 secret files, built in a temporary directory.
//
//   node bench/access.mjs [--quick] [--runs N] [--files N]     (run `npm run build` first)
//   KEEP=1 node bench/access.mjs --quick                         (keeps the repository, for profiling)
//
// The repository: a .sops.yaml with three rules (prod, staging, dev) and named recipients; 2,000
// files (YAML, JSON and dotenv) made by copying a few files encrypted by the CLI (copies are valid
// sops files: nothing in a file depends on its path). BASE is that commit; HEAD grants a new
// recipient on the prod rule and re-encrypts the prod files with `updatekeys --all`.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const opt = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback);
const RUNS = opt("--runs", quick ? 3 : 9);
const FILES = opt("--files", 2000);
if (!existsSync(CLI)) {
  console.error("bench/access.mjs: dist/cli.js is missing; run `npm run build` first");
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "secrets-bench-access-"));
const repo = join(work, "repo");
mkdirSync(repo);
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
mkdirSync(env.HOME);
/** No identity anywhere: verify reads metadata only. */
const noKey = { ...env, XDG_CONFIG_HOME: join(work, "no-keys") };
const node = process.execPath;
const secrets = (a, e = env) => execFileSync(node, [CLI, ...a], { cwd: repo, env: e, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const git = (...a) => execFileSync("git", a, { cwd: repo, env, encoding: "utf8" });

function time(argv, e) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, [CLI, ...argv], { cwd: repo, env: e, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`secrets ${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  return ms;
}

function median(argv, e = env) {
  time(argv, e); // warm-up (file cache)
  const s = Array.from({ length: RUNS }, () => time(argv, e)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// --- the repository --------------------------------------------------------------------------------
const t0 = Date.now();
const me = secrets(["keygen"]).trim();
const ci = secrets(["keygen", "-o", join(work, "ci.txt")]).trim();
const newcomer = secrets(["keygen", "-o", join(work, "newcomer.txt")]).trim();
git("init", "-q", "-b", "main");
writeFileSync(
  join(repo, ".sops.yaml"),
  `keys:
  - &me ${me}
  - &ci ${ci}
creation_rules:
  - path_regex: ^secrets/prod/
    key_groups:
      - age: [*me, *ci]
  - path_regex: ^secrets/staging/
    key_groups:
      - age: [*me, *ci]
  - path_regex: ^secrets/dev/
    key_groups:
      - age: [*me]
`,
);
const envs = ["prod", "staging", "dev"];
const templates = {};
for (const e of envs) {
  mkdirSync(join(repo, "secrets", e), { recursive: true });
  const values = Array.from({ length: 20 }, (_, i) => `key_${i}: value-${e}-${i}-${"x".repeat(24)}`);
  const files = {
    yaml: "service:\n" + values.map((v) => `    ${v}\n`).join(""),
    json: JSON.stringify(Object.fromEntries(values.map((v) => v.split(": "))), null, 2) + "\n",
    env: values.map((v) => v.replace(": ", "=").toUpperCase()).join("\n") + "\n",
  };
  for (const [ext, text] of Object.entries(files)) {
    const p = join(repo, "secrets", e, `template.${ext}`);
    writeFileSync(p, text);
    secrets(["encrypt", "-i", `secrets/${e}/template.${ext}`]);
    templates[`${e}.${ext}`] = p;
  }
}
let n = Object.keys(templates).length;
for (let i = 0; n < FILES; i++) {
  for (const e of envs) {
    if (n >= FILES) break;
    const ext = i % 10 < 7 ? "yaml" : i % 10 < 9 ? "json" : "env";
    const dst = join(repo, "secrets", e, `svc-${String(i).padStart(4, "0")}.${ext}`);
    if (!existsSync(dst)) copyFileSync(templates[`${e}.${ext}`], dst);
    n++;
  }
}
// Some ordinary files beside the secrets, as in a real repository.
mkdirSync(join(repo, "src"));
for (let i = 0; i < 200; i++) writeFileSync(join(repo, "src", `m${i}.ts`), `export const x${i} = ${i};\n`);
git("add", "-A");
git("commit", "-qm", "base");
const setup = (Date.now() - t0) / 1000;

// HEAD: the newcomer may read prod; prod files are re-encrypted in one command.
const t1 = process.hrtime.bigint();
secrets(["access", "grant", "newcomer", newcomer, "--path", "^secrets/prod/", "--commit"]);
const grantMs = Number(process.hrtime.bigint() - t1) / 1e6;
const prodFiles = Number(git("ls-files", "secrets/prod").trim().split("\n").length);
const counted = JSON.parse(secrets(["policy", "diff", "HEAD~1", "HEAD", "--format", "json"])).changes.length;
if (counted !== prodFiles) throw new Error(`policy diff found ${counted} changes, expected ${prodFiles}`);

// --- measurements --------------------------------------------------------------------------------
const [baseline] = [median(["--version"])];
const verify = median(["verify"], noKey);
const diffCommits = median(["policy", "diff", "HEAD~1", "HEAD", "--format", "json"]);
const diffWorkTree = median(["policy", "diff", "HEAD~1"]);
const list = median(["access", "list", "--format", "json"], noKey);

const secretCount = Number(JSON.parse(secrets(["verify", "--format", "json"], noKey)).files);
console.log(`\naccess: ${secretCount} secret files (+200 other files), ${RUNS} runs each, whole-process medians (ms); repo built in ${setup.toFixed(1)} s`);
const row = (name, ms) => console.log(`${name.padEnd(58)}${ms.toFixed(1).padStart(9)}`);
row("secrets --version (start-up)", baseline);
row("secrets verify (no key: metadata only)", verify);
row("secrets access list --format json (no key)", list);
row(`secrets policy diff HEAD~1 HEAD (${counted} changes)`, diffCommits);
row("secrets policy diff HEAD~1 (work tree, markdown)", diffWorkTree);
row(`secrets access grant --commit (re-encrypts ${prodFiles} files, 1 run)`, grantMs);

console.log("\ntargets");
const check = (label, value, limit) => console.log(`${value <= limit ? "ok  " : "MISS"} ${label.padEnd(52)} ${(value / 1000).toFixed(2)} s (<= ${limit / 1000} s)`);
check(`verify, ${secretCount} files, no key`, verify, 5000);
check(`policy diff, ${secretCount} files`, Math.max(diffCommits, diffWorkTree), 5000);
if (process.env.KEEP) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
