import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, Sandbox } from "../helpers/cli.js";
import { fixturePath } from "../helpers/fixtures.js";
import { diagnosticLines } from "../helpers/tsc.js";

/**
 * The package as npm publishes it: `npm pack` of a copy of the sources with no dist/ (so `prepack`
 * must build it; a copy, so this build never races the global setup's build of dist/), installed
 * from the tarball into a scratch project with --omit=dev --offline (it has no dependencies: the
 * bundles hold them), then used there: the `secrets` bin, an ESM import of the SDK, and a strict
 * TypeScript consumer of its declarations.
 */

const pkg = (await import(join(ROOT, "package.json"), { with: { type: "json" } })).default as { version: string };
const work = mkdtempSync(join(tmpdir(), "secrets-pack-"));
const copy = join(work, "pkg");
const app = join(work, "app");
// A clean npm: its own cache and home, no update check, nothing inherited from a parent `npm test`.
const npmEnv = { PATH: process.env.PATH ?? "", HOME: work, npm_config_cache: join(work, "npm-cache"), npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

interface PackEntry {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}
let packed: PackEntry;
let sb: Sandbox;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
}

function duKiB(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    bytes += e.isDirectory() ? duKiB(p) * 1024 : statSync(p).size;
  }
  return Math.round(bytes / 1024);
}

beforeAll(async () => {
  mkdirSync(copy);
  for (const f of ["package.json", "README.md", "src", "scripts", "schemas", "tsconfig.json", "tsconfig.lib.json"]) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(copy, "node_modules"), "dir");

  const pack = run("npm", ["pack", "--json", "--pack-destination", work], copy);
  expect(pack.status, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as PackEntry[])[0]!;

  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  const install = run("npm", ["install", "--omit=dev", "--offline", join(work, packed.filename)], app);
  expect(install.status, install.stderr).toBe(0);

  // A repository with secrets for the SDK to read (the sandbox's key is its default key file).
  sb = new Sandbox();
  await sb.ok(["keygen"]);
  await sb.ok(["init"]);
  writeFileSync(sb.path(".env"), "DATABASE_URL=postgresql://user:password@host/db\nAPI_KEY=sk-1234567890\n");
  await sb.ok(["import", ".env"]);
}, 240_000);
afterAll(() => {
  sb?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe("npm pack → npm install --omit=dev of the tarball", () => {
  it("prepack built dist/; the tarball holds what runs and no build artefacts", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["dist/cli.js", "dist/lib/index.js", "dist/lib/index.d.ts", "dist/types/index.d.ts", "dist/package.json", "package.json", "schemas/sops-config.schema.json"]));
    expect(paths.filter((p) => p.includes(".tsbuildinfo"))).toEqual([]);
    expect(paths.filter((p) => !/^(dist|schemas)\//.test(p) && p !== "package.json" && p !== "README.md")).toEqual([]);
  });

  it("ships the HCL parser's WebAssembly beside the bundles (Vault policies in HCL work from the package)", () => {
    expect(packed.files.map((f) => f.path)).toEqual(expect.arrayContaining(["dist/main.wasm.gz", "dist/chunks/hcl2json-lib.cjs"]));
  });

  it("installs one package, with no dependencies", () => {
    const installed = readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installed).toEqual(["gitops-secrets"]);
    const size = duKiB(join(app, "node_modules"));
    // The figures the issue asked for, in the test log.
    console.log(`pack: tarball ${Math.round(packed.size / 1024)} kB, installed ${installed.length} package, ${size} KiB`);
    expect(size).toBeLessThan(10 * 1024);
  });

  it("the installed `secrets --version` and `secrets decrypt` of a sops-written file", () => {
    const bin = join(app, "node_modules", ".bin", "secrets");
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, XDG_CONFIG_HOME: join(work, "no-config") };
    const version = run(bin, ["--version"], app, env);
    expect(version.stderr).toBe("");
    expect(version.stdout.trim()).toBe(`secrets ${pkg.version}`);
    const decrypted = run(bin, ["decrypt", fixturePath("fluxcd-kustomize-controller/algorithms-age.yaml")], app, {
      ...env,
      SOPS_AGE_KEY_FILE: fixturePath("fluxcd-kustomize-controller/keys/age.txt"),
    });
    expect(decrypted.stderr).toBe("");
    expect(decrypted.status).toBe(0);
    expect(decrypted.stdout).toMatch(/stringData:\n\s+key: value\n/);
  });

  it("an ESM script imports SecretsClient from the installed package and reads a secret", () => {
    writeFileSync(
      join(app, "read.mjs"),
      `import { SecretsClient, getSecret } from "gitops-secrets";
const client = new SecretsClient({ cwd: process.argv[2] });
process.stdout.write(JSON.stringify({ url: await client.getString("app/DATABASE_URL"), key: await client.get("app/API_KEY"), one: await getSecret("app/API_KEY") }));
`,
    );
    // cwd: the repository, for getSecret's default client; the package resolves beside the script.
    const r = run(process.execPath, [join(app, "read.mjs"), sb.repo], sb.repo, sb.env);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ url: "postgresql://user:password@host/db", key: "sk-1234567890", one: "sk-1234567890" });
  });

  it("a TypeScript file using the SDK type-checks under --strict against the installed declarations", () => {
    // skipDefaultLibCheck: TypeScript's own lib.*.d.ts are not checked (most of tsc's time); the package's
    // declarations still are (skipLibCheck would skip those too).
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, types: [], skipDefaultLibCheck: true }, files: ["consumer.ts", "wrong.ts"] }));
    writeFileSync(
      join(app, "consumer.ts"),
      `import { SecretsClient, SecretTypeError, getSecret, type SecretValue } from "gitops-secrets";
const client = new SecretsClient({ root: "secrets" });
export async function main(): Promise<number> {
  const url: string = await getSecret("app/DATABASE_URL");
  const same = await client.getString("app/DATABASE_URL");
  const any: SecretValue = await client.get("app/API_KEY");
  const e: boolean = new Error() instanceof SecretTypeError;
  return url.length + same.toUpperCase().length + String(any).length + Number(e);
}
`,
    );
    // And the check can fail: get() is not typed string. One tsc run checks both files (tsc starts
    // once): it fails, and only because of wrong.ts.
    writeFileSync(join(app, "wrong.ts"), `import { SecretsClient } from "gitops-secrets";\nexport const s: Promise<string> = new SecretsClient().get("a/b");\n`);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = run(process.execPath, [tsc, "-p", app], app);
    expect(r.stderr).toBe("");
    expect(r.status).not.toBe(0);
    expect(diagnosticLines(r.stdout).filter((l) => !l.startsWith("wrong.ts("))).toEqual([]);
    expect(r.stdout).toMatch(/wrong\.ts\(2,.*TS2322/);
  }, 120_000);
});
