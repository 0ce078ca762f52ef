// Decrypt-mode speed of the bundled GitHub Action (action/dist/index.js), run as the runner runs it:
// `node action/dist/index.js` with INPUT_* variables and file-command files, 50 SOPS files holding
// 5,000 values in all, every value masked, set as a step output and exported to the environment, and a
// dotenv file written. Prints whole-process medians and "after start-up": the decrypt run minus a run
// of the same bundle that stops at its first check (node start-up plus loading the bundle).
//
//   node bench/action.mjs [--quick] [--runs N]
//
// Needs dist/cli.js (to encrypt the fixtures) and action/dist: `npm run build` makes both.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const ACTION = join(ROOT, "action", "dist", "index.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const RUNS = Number(args[args.indexOf("--runs") + 1]) || (quick ? 5 : 15);
const FILES = 50;
const VALUES_PER_FILE = 100;

const work = mkdtempSync(join(tmpdir(), "action-bench-"));
const node = process.execPath;
try {
  // --- fixture: a workspace with .sops.yaml and 50 encrypted files of 100 values each ------------
  const home = join(work, "home");
  const ws = join(work, "workspace");
  const temp = join(work, "runner-temp");
  for (const d of [home, ws, temp]) mkdirSync(d, { recursive: true });
  const cliEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const keyFile = join(work, "key.txt");
  const recipient = execFileSync(node, [CLI, "keygen", "-o", keyFile], { env: cliEnv, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  const ageKey = readFileSync(keyFile, "utf8");
  writeFileSync(join(ws, ".sops.yaml"), `keys:\n  - &deploy ${recipient}\ncreation_rules:\n  - path_regex: "(^|/)secrets/"\n    key_groups:\n      - age:\n          - *deploy\n`);
  mkdirSync(join(ws, "secrets"));
  for (let f = 0; f < FILES; f++) {
    let yaml = "";
    for (let s = 0; s < VALUES_PER_FILE / 10; s++) {
      yaml += `service_${f}_${s}:\n`;
      for (let k = 0; k < 10; k++) yaml += `    key_${k}: ${randomBytes(18).toString("base64url")}\n`;
    }
    const file = join("secrets", `app-${String(f).padStart(2, "0")}.yaml`);
    writeFileSync(join(ws, file), yaml);
    execFileSync(node, [CLI, "encrypt", "-i", file], { cwd: ws, env: cliEnv, stdio: "ignore" });
  }

  // --- one step, as the runner starts it ----------------------------------------------------------
  const commands = Object.fromEntries(["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"].map((k) => [k, join(temp, k.toLowerCase())]));
  const stepEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: ws,
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_REPOSITORY: "acme/app",
    RUNNER_TEMP: temp,
    ...commands,
    INPUT_MODE: "decrypt",
    "INPUT_AGE-KEY": ageKey,
    INPUT_FILES: "secrets/**/*.yaml",
    INPUT_SECRETS: "",
    "INPUT_EXPORT-ENV": "true",
    "INPUT_DOTENV-FILE": join(temp, "app.env"),
    "INPUT_WORKING-DIRECTORY": ".",
    "INPUT_GITHUB-TOKEN": "",
    INPUT_BASE: "",
    INPUT_HEAD: "",
  };
  const startupEnv = { ...stepEnv };
  delete startupEnv.GITHUB_OUTPUT; // the action's first check fails: start-up and loading only

  function time(argv, env, expectStatus) {
    for (const f of Object.values(commands)) writeFileSync(f, "");
    const t0 = process.hrtime.bigint();
    const r = spawnSync(node, argv, { cwd: ws, env, encoding: "utf8", maxBuffer: 256 << 20 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== expectStatus) throw new Error(`${argv.join(" ")}: exit ${r.status}, expected ${expectStatus}`);
    return { ms, stdout: r.stdout };
  }
  const cases = [
    { name: "node -e 0", argv: ["-e", "0"], env: { PATH: process.env.PATH }, status: 0 },
    { name: "action start-up (stops at its first check)", argv: [ACTION], env: startupEnv, status: 1 },
    { name: `action decrypt: ${FILES} files, ${FILES * VALUES_PER_FILE} values`, argv: [ACTION], env: stepEnv, status: 0 },
  ];
  const check = time(ACTION ? [ACTION] : [], stepEnv, 0);
  const masks = check.stdout.split("\n").filter((l) => l.startsWith("::add-mask::")).length;
  const exported = readFileSync(commands.GITHUB_ENV, "utf8").split("\n").filter((l) => /^[A-Z0-9_]+<<ghadelimiter_/.test(l)).length;
  if (exported !== FILES * VALUES_PER_FILE) throw new Error(`expected ${FILES * VALUES_PER_FILE} exported variables, got ${exported}`);

  const samples = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) cases.forEach((c, j) => samples[j].push(time(c.argv, c.env, c.status).ms));
  const med = samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);

  console.log(`\nGitHub Action, decrypt mode: whole-process medians of ${RUNS} runs (ms)\n`);
  cases.forEach((c, j) => console.log(`${c.name.padEnd(52)}${med[j].toFixed(1).padStart(9)}`));
  const after = med[2] - med[1];
  console.log(`${"  after start-up (decrypt - start-up)".padEnd(52)}${after.toFixed(1).padStart(9)}`);
  console.log(`\n${masks} ::add-mask:: lines, ${exported} env records and as many step outputs, one dotenv file`);
  console.log(`\ntarget\n${after < 1000 ? "ok  " : "MISS"} 50 files / 5,000 values after start-up            ${after.toFixed(1)} ms (well under 1,000)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
