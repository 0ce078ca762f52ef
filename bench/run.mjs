// `npm run bench`: whole-process timings of the built CLI against its peers, on this machine, in one
// run. Prints medians and the ratios the issues set targets for (ratios hold on a noisy machine;
// absolute numbers do not). Every ratio is to a `node -e 0` measured in the same interleaved runs as
// the row itself: the machine's speed drifts over a run of several minutes, and a base measured once
// at the start would put that drift into the ratios. Everything happens in a temporary directory.
//
//   node bench/run.mjs [--runs N] [--quick] [--no-dotenvx] [--core]
// --quick: 10 and 1,000 values, 5 runs. --no-dotenvx: skip dotenvx (about 20 s per run at 1,000
// values). --core: only the measurements of this file, not each area's bench/<area>.mjs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const RUNS = Number(args[args.indexOf("--runs") + 1]) || (quick ? 5 : 15);
const SIZES = quick ? [10, 1000] : [10, 100, 1000, 10000];
const withDotenvx = !args.includes("--no-dotenvx");

const work = mkdtempSync(join(tmpdir(), "secrets-bench-"));
const home = join(work, "home");
mkdirSync(home);
const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(work, "config"), TMPDIR: work };

function time(cmd, argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env, cwd: work, stdio: ["ignore", "ignore", "pipe"], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/** Median of `runs` whole-process runs after one warm-up run. Runs of the commands compared are interleaved. */
function measure(cases, runs = RUNS) {
  const samples = cases.map(() => []);
  for (const c of cases) time(...c.cmd);
  for (let i = 0; i < runs; i++) cases.forEach((c, j) => samples[j].push(time(...c.cmd)));
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  });
}

const node = process.execPath;
const secrets = (...a) => [node, [CLI, ...a]];

// --- fixtures ------------------------------------------------------------------------------------
const recipient = execFileSync(node, [CLI, "keygen"], { env, encoding: "utf8" }).trim();
const keyFile = join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt");
const secretKey = readFileSync(keyFile, "utf8").match(/AGE-SECRET-KEY-1\S+/)[0];

function tree(n) {
  // n values in groups of 10, a realistic nesting: service.setting
  const o = {};
  for (let i = 0; i < n; i++) (o[`service_${Math.floor(i / 10)}`] ??= {})[`key_${i % 10}`] = `value-${i}-${"x".repeat(24)}`;
  return o;
}
function toYaml(o) {
  return Object.entries(o).map(([k, v]) => `${k}:\n` + Object.entries(v).map(([k2, v2]) => `    ${k2}: ${v2}\n`).join("")).join("");
}
function toEnv(o) {
  return Object.values(o).flatMap((v, i) => Object.entries(v).map(([k, x]) => `SERVICE_${i}_${k.toUpperCase()}=${x}\n`)).join("");
}

writeFileSync(join(work, "sops-age-decrypt.mjs"), `import { readFileSync } from "node:fs";
import { decryptSops } from ${JSON.stringify(join(ROOT, "node_modules", "sops-age", "dist", "index.js"))};
const out = await decryptSops(readFileSync(process.argv[2], "utf8"), { secretKey: process.env.BENCH_AGE_KEY, fileType: process.argv[3] });
process.stdout.write(JSON.stringify(out));
`);
const dotenvx = join(ROOT, "node_modules", "@dotenvx", "dotenvx", "src", "cli", "dotenvx.js");
// dotenvx decrypts each value with its own ECIES operation: ~20 s per run at 1,000 values on the
// reference machine, minutes at 10,000. Compared up to this size; beyond it the table says so.
const DOTENVX_MAX = withDotenvx ? 1000 : 0;

for (const n of SIZES) {
  const t = tree(n);
  writeFileSync(join(work, `s${n}.yaml`), toYaml(t));
  writeFileSync(join(work, `s${n}.json`), JSON.stringify(t, null, "\t") + "\n");
  for (const ext of ["yaml", "json"]) execFileSync(node, [CLI, "encrypt", "-i", "--age", recipient, `s${n}.${ext}`], { env, cwd: work });
  if (n <= DOTENVX_MAX) {
    mkdirSync(join(work, `env${n}`));
    writeFileSync(join(work, `env${n}`, ".env"), toEnv(t));
    execFileSync(node, [dotenvx, "encrypt", "-f", ".env"], { env, cwd: join(work, `env${n}`), stdio: "ignore" });
  }
}

// --- measurements --------------------------------------------------------------------------------
const rows = [];
const fmt = (x) => x.toFixed(1).padStart(8);
const nodeBase = { cmd: [node, ["-e", "0"]] };
const [base, version] = measure([nodeBase, { cmd: secrets("--version") }]);
rows.push(["node -e 0", base, 1]);
rows.push(["secrets --version", version, version / base]);

const results = {};
for (const n of SIZES) {
  for (const ext of ["yaml", "json"]) {
    const file = `s${n}.${ext}`;
    const [b, ours, peer] = measure([
      nodeBase,
      { cmd: secrets("decrypt", file) },
      { cmd: [node, [join(work, "sops-age-decrypt.mjs"), file, ext], { env: { ...env, BENCH_AGE_KEY: secretKey } }] },
    ]);
    // dotenvx takes seconds per run at 1,000 values: fewer runs there (its ratio is far off either way).
    const [dxBase, dx] =
      ext === "yaml" && n <= DOTENVX_MAX
        ? measure([nodeBase, { cmd: [node, [dotenvx, "decrypt", "--stdout", "-f", ".env"], { cwd: join(work, `env${n}`) }] }], n >= 1000 ? 3 : RUNS)
        : [undefined, undefined];
    results[`${ext}${n}`] = { base: b, ours, peer, dx };
    rows.push([`decrypt ${ext} ${n} values: node -e 0 alongside`, b, 1]);
    rows.push([`  secrets`, ours, ours / b]);
    rows.push([`  sops-age script`, peer, peer / b]);
    if (dx !== undefined) rows.push([`  dotenvx (same keys as .env)`, dx, dx / dxBase]);
    else if (ext === "yaml") rows.push([withDotenvx ? `  dotenvx: not run above ${DOTENVX_MAX} values` : "  dotenvx: skipped (--no-dotenvx)", NaN, NaN]);
  }
}

console.log(`\nwhole-process medians of ${RUNS} runs (ms); ratio to node -e 0 run alongside (interleaved)\n`);
for (const [name, ms, ratio] of rows) console.log(Number.isNaN(ms) ? name : `${name.padEnd(48)}${fmt(ms)}   ${ratio.toFixed(2)}x`);

console.log("\ntargets");
const check = (label, value, limit) => console.log(`${value <= limit ? "ok  " : "MISS"} ${label.padEnd(52)} ${value.toFixed(2)} (<= ${limit})`);
check("secrets --version / node -e 0", version / base, 1.5);
if (results.yaml1000) {
  check("decrypt 1,000 YAML values / node -e 0", results.yaml1000.ours / results.yaml1000.base, 3.0);
  check("decrypt 1,000 YAML values / sops-age script", results.yaml1000.ours / results.yaml1000.peer, 0.5);
}
rmSync(work, { recursive: true, force: true });

// Each area's own benchmark (bench/<area>.mjs) runs after the core one, with the same flags.
for (const f of args.includes("--core") ? [] : readdirSync(join(ROOT, "bench")).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").sort()) {
  console.log(`\n=== bench/${f}`);
  const r = spawnSync(node, [join(ROOT, "bench", f), ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exitCode = 1;
}
