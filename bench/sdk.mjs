// SDK latency: `get` cold (a new client: identities loaded, data key unwrapped, file decrypted) and
// warm (answered from memory), `getMany` of 100 paths over 10 files (checked to decrypt each file
// once), and a whole `node` process that imports the package and reads one secret.
//
//   node bench/sdk.mjs [--quick] [--runs N]
//
// Standalone (builds dist/ first when it is missing); `npm run bench` runs it after the core bench.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const RUNS = Number(args[args.indexOf("--runs") + 1]) || (quick ? 5 : 15);
const WARM = quick ? 2_000 : 20_000;

if (!existsSync(join(ROOT, "dist", "lib", "index.js")) || !existsSync(join(ROOT, "dist", "cli.js"))) {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
}
const CLI = join(ROOT, "dist", "cli.js");
const LIB = pathToFileURL(join(ROOT, "dist", "lib", "index.js")).href;

const work = mkdtempSync(join(tmpdir(), "secrets-bench-sdk-"));
mkdirSync(join(work, "home"));
const env = { PATH: process.env.PATH, HOME: join(work, "home"), XDG_CONFIG_HOME: join(work, "config"), TMPDIR: work };
const cli = (...a) => execFileSync(process.execPath, [CLI, ...a], { cwd: work, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

// --- fixtures: 10 files of 10 values under secrets/, encrypted by the .sops.yaml rule ---------------
cli("keygen");
cli("init");
const keyFile = join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt");
mkdirSync(join(work, "secrets"));
const paths = [];
for (let f = 0; f < 10; f++) {
  let text = "";
  for (let k = 0; k < 10; k++) {
    text += `key_${k}: value-${f}-${k}-${"x".repeat(24)}\n`;
    paths.push(`svc_${f}/key_${k}`);
  }
  writeFileSync(join(work, "secrets", `svc_${f}.yaml`), text);
  cli("encrypt", "-i", `secrets/svc_${f}.yaml`);
}

// --- in-process measurements ----------------------------------------------------------------------
process.env.SOPS_AGE_KEY_FILE = keyFile; // sops' own lookup, as an application would use it
const { SecretsClient } = await import(LIB);
const root = join(work, "secrets");
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

let t0 = process.hrtime.bigint();
const first = new SecretsClient({ root });
await first.get("svc_0/key_0");
const firstInProcess = ms(t0);

const cold = [];
for (let i = 0; i < RUNS; i++) {
  t0 = process.hrtime.bigint();
  const c = new SecretsClient({ root });
  await c.get(`svc_${i % 10}/key_${i % 10}`);
  cold.push(ms(t0));
}

const client = new SecretsClient({ root });
await client.get("svc_1/key_1");
const warm = [];
for (let i = 0; i < WARM; i++) {
  t0 = process.hrtime.bigint();
  await client.get(`svc_1/key_${i % 10}`);
  warm.push(ms(t0));
}

const many = [];
let decryptions = [];
for (let i = 0; i < RUNS; i++) {
  const c = new SecretsClient({ root });
  t0 = process.hrtime.bigint();
  const got = await c.getMany(paths);
  many.push(ms(t0));
  decryptions.push(c.stats().decryptions);
  if (Object.keys(got).length !== 100) throw new Error("getMany returned the wrong number of values");
}
const manyWarm = [];
for (let i = 0; i < RUNS; i++) {
  t0 = process.hrtime.bigint();
  await client.getMany(paths);
  manyWarm.push(ms(t0));
}

// --- whole processes --------------------------------------------------------------------------------
const script = join(work, "read-one.mjs");
writeFileSync(script, `import { getSecret } from ${JSON.stringify(LIB)};\nawait getSecret("svc_3/key_3");\n`);
const proc = (argv) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: work, env: { ...env, SOPS_AGE_KEY_FILE: keyFile }, stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`node ${argv.join(" ")} failed: ${r.stderr}`);
  return ms(t);
};
const base = [];
const whole = [];
proc(["-e", "0"]);
proc([script]);
for (let i = 0; i < RUNS; i++) {
  base.push(proc(["-e", "0"]));
  whole.push(proc([script]));
}
rmSync(work, { recursive: true, force: true });

// --- report -------------------------------------------------------------------------------------------
const f = (x) => (x < 1 ? x.toFixed(4) : x.toFixed(2)).padStart(10);
console.log(`\nSDK (dist/lib/index.js), in-process; medians of ${RUNS} runs unless noted (ms)\n`);
console.log(`${"first get in a process (loads the SDK's lazy parts)".padEnd(58)}${f(firstInProcess)}`);
console.log(`${"get, cold (new client: identities, unwrap, decrypt)".padEnd(58)}${f(median(cold))}`);
console.log(`${`get, warm (cached file, median of ${WARM})`.padEnd(58)}${f(median(warm))}`);
console.log(`${`get, warm, p99`.padEnd(58)}${f(pct(warm, 0.99))}`);
console.log(`${"getMany 100 paths over 10 files, cold".padEnd(58)}${f(median(many))}`);
console.log(`${"getMany 100 paths over 10 files, warm".padEnd(58)}${f(median(manyWarm))}`);
console.log(`${"node -e 0 (whole process)".padEnd(58)}${f(median(base))}`);
console.log(`${"node: import the package + getSecret (whole process)".padEnd(58)}${f(median(whole))}`);

console.log("\nchecks");
const once = decryptions.every((d) => d === 10);
console.log(`${once ? "ok  " : "FAIL"} getMany of 100 paths over 10 files decrypts each file once (decryptions: ${[...new Set(decryptions)].join(", ")})`);
const cached = median(warm) < median(cold);
console.log(`${cached ? "ok  " : "FAIL"} a warm get is faster than a cold one (${(median(cold) / median(warm)).toFixed(0)}x)`);
if (!once || !cached) process.exitCode = 1;
