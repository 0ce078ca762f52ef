import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI, ROOT, Sandbox } from "../helpers/cli.js";

/**
 * An import killed at any point loses nothing: each file is at every instant its old or its new
 * version (atomic renames), the target is written before the .env is stripped, and running the same
 * import again completes it. Kills land at the named steps of the library's import flow (its
 * `onStep` hook: test/helpers/import-paused.ts does what `secrets import` does and waits at the step
 * named) and, with the CLI itself, at random moments.
 */

const ENV = [
  "# production settings",
  "DATABASE_URL=postgresql://user:password@host/db",
  "API_KEY=sk-1234567890",
  "JWT_SECRET_KEY=super-secret",
  "SENTRY_DSN=https://key@sentry.io/project",
  "LOG_LEVEL=INFO",
  "ENVIRONMENT=production",
  "WORKERS=4",
  "",
].join("\n");
const STRIPPED = "# production settings\nLOG_LEVEL=INFO\nENVIRONMENT=production\nWORKERS=4\n";
const MOVED = {
  DATABASE_URL: "postgresql://user:password@host/db",
  API_KEY: "sk-1234567890",
  JWT_SECRET_KEY: "super-secret",
  SENTRY_DSN: "https://key@sentry.io/project",
};

// The paused importer, bundled once like the CLI, so that it runs the same code the same way.
const bundleDir = mkdtempSync(join(tmpdir(), "import-paused-"));
const PAUSED = join(bundleDir, "import-paused.mjs");
beforeAll(async () => {
  await build({
    entryPoints: [join(ROOT, "test", "helpers", "import-paused.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: PAUSED,
    // Bundled CommonJS dependencies call require(); give them one in ESM output (as the library build does).
    banner: { js: "import { createRequire as __pausedCreateRequire } from 'node:module'; const require = __pausedCreateRequire(import.meta.url);" },
    logLevel: "silent",
  });
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

let sb: Sandbox;
beforeEach(async () => {
  sb = new Sandbox();
  await sb.ok(["keygen"]);
  await sb.ok(["init"]);
});
afterEach(() => sb.cleanup());

/**
 * Starts `secrets import .env` (or, with `pauseAt`, the paused importer, which waits at that step);
 * kills it with SIGKILL when `when` resolves. Resolves once it is gone.
 */
function importKilled(pauseAt: string | null, when: (child: ReturnType<typeof spawn>, stderr: () => string) => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const args = pauseAt === null ? [CLI, "import", ".env"] : [PAUSED, ".env", pauseAt];
    const child = spawn(process.execPath, args, { cwd: sb.repo, env: sb.env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr: err }));
    void when(child, () => err).then(() => child.kill("SIGKILL"));
  });
}

async function targetValues(): Promise<Record<string, unknown> | null> {
  if (!existsSync(sb.path("secrets/app.yaml"))) return null;
  return JSON.parse(await sb.ok(["decrypt", "--output-type", "json", "secrets/app.yaml"]));
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error("timed out");
};

describe("interrupted import", () => {
  it("killed after planning: the old state, untouched", async () => {
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/app.yaml"), "EXISTING: keep-me\n");
    await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
    const oldTarget = readFileSync(sb.path("secrets/app.yaml"));
    writeFileSync(sb.path(".env"), ENV);
    const r = await importKilled("planned", (_c, err) => waitFor(() => err().includes("paused at planned")));
    expect(r.signal).toBe("SIGKILL");
    expect(readFileSync(sb.path(".env"), "utf8")).toBe(ENV);
    expect(readFileSync(sb.path("secrets/app.yaml"))).toEqual(oldTarget);
  });

  it("killed between the two writes: the new secrets file beside the old .env (every secret in both); a re-run completes it", async () => {
    writeFileSync(sb.path(".env"), ENV);
    const r = await importKilled("secrets-written", (_c, err) => waitFor(() => err().includes("paused at secrets-written")));
    expect(r.signal).toBe("SIGKILL");
    expect(readFileSync(sb.path(".env"), "utf8")).toBe(ENV); // old
    expect(await targetValues()).toEqual(MOVED); // new, complete
    const again = await sb.run(["import", ".env"]);
    expect(again.code).toBe(0);
    for (const k of Object.keys(MOVED)) expect(again.stdout).toMatch(new RegExp(`already there +${k} `));
    expect(readFileSync(sb.path(".env"), "utf8")).toBe(STRIPPED);
    expect(await targetValues()).toEqual(MOVED);
  });

  it("killed at random moments: each file old or new, never a secret only in neither", async () => {
    // How long an uninterrupted import takes here, to spread the kills over it.
    writeFileSync(sb.path(".env"), ENV);
    const t0 = Date.now();
    await sb.ok(["import", ".env"]);
    const full = Date.now() - t0;
    const states = new Set<string>();
    for (let i = 0; i < 12; i++) {
      writeFileSync(sb.path(".env"), ENV);
      rmSync(sb.path("secrets"), { recursive: true, force: true });
      // The first kill lands before the process has started; the last one never comes (it ends on its own).
      const delay = Math.round((full * 1.2 * i) / 11);
      await importKilled(null, () => (i === 11 ? new Promise<void>(() => undefined) : new Promise((r) => setTimeout(r, delay))));
      const env = readFileSync(sb.path(".env"), "utf8");
      expect([ENV, STRIPPED]).toContain(env);
      const target = await targetValues(); // throws if the file were half written
      if (target !== null) expect(target).toEqual(MOVED);
      // Stripped .env only ever with the secrets file in place.
      if (env === STRIPPED) expect(target).toEqual(MOVED);
      states.add(`${env === ENV ? "old" : "new"} .env, ${target === null ? "no" : "new"} secrets file`);
      // Whatever the state, running the import again ends in the complete new state.
      await sb.ok(["import", ".env"]);
      expect(readFileSync(sb.path(".env"), "utf8")).toBe(STRIPPED);
      expect(await targetValues()).toEqual(MOVED);
    }
    // Both ends were reached (the mix in between depends on the machine).
    expect(states.has("old .env, no secrets file")).toBe(true);
    expect(states.has("new .env, new secrets file")).toBe(true);
  }, 180_000);
});
