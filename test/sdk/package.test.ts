import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, Sandbox } from "../helpers/cli.js";
import { diagnosticLines } from "../helpers/tsc.js";

/**
 * The package as a user gets it: `npm run build` output reached through `exports`, from a project
 * that links it (node_modules/gitops-secrets -> this checkout), in a separate Node process, with the
 * identities sops would find (the sandbox's default key file). And its `.d.ts` under strict tsc.
 */

const ENV = [
  "DATABASE_URL=postgresql://user:password@host/db",
  "API_KEY=sk-1234567890",
  "JWT_SECRET_KEY=super-secret",
  "SENTRY_DSN=https://key@sentry.io/project",
  "LOG_LEVEL=INFO",
  "ENVIRONMENT=production",
  "WORKERS=4",
  "",
].join("\n");

let sb: Sandbox;
beforeAll(async () => {
  sb = new Sandbox();
  await sb.ok(["keygen"]);
  await sb.ok(["init"]);
  writeFileSync(sb.path(".env"), ENV);
  await sb.ok(["import", ".env"]);
  mkdirSync(sb.path("node_modules"));
  symlinkSync(ROOT, sb.path("node_modules", "gitops-secrets"), "dir");
});
afterAll(() => sb.cleanup());

function node(code: string, cwd = sb.repo): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd, env: sb.env, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("import { SecretsClient, getSecret } from 'gitops-secrets'", () => {
  it("package.json points exports/main/types at what npm run build produces", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["."].import).toBe("./dist/lib/index.js");
    expect(pkg.exports["."].types).toBe("./dist/lib/index.d.ts");
    expect(pkg.types).toBe("dist/lib/index.d.ts");
    expect(pkg.main).toBe("dist/lib/index.js");
  });

  it("a separate Node process reads the imported secrets by path", () => {
    const r = node(`
      import { SecretsClient, getSecret } from "gitops-secrets";
      const client = new SecretsClient();
      const many = await client.getMany(["app/DATABASE_URL", "app/API_KEY", "app/JWT_SECRET_KEY", "app/SENTRY_DSN"]);
      const one = await getSecret("app/API_KEY");
      const list = await client.list("app");
      process.stdout.write(JSON.stringify({ many, one, list, stats: client.stats() }));
    `);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      many: {
        "app/DATABASE_URL": "postgresql://user:password@host/db",
        "app/API_KEY": "sk-1234567890",
        "app/JWT_SECRET_KEY": "super-secret",
        "app/SENTRY_DSN": "https://key@sentry.io/project",
      },
      one: "sk-1234567890",
      list: ["app/API_KEY", "app/DATABASE_URL", "app/JWT_SECRET_KEY", "app/SENTRY_DSN"],
      stats: { decryptions: 1, cacheHits: 0 },
    });
  });

  it("works from a subfolder of the repository (root found beside .sops.yaml)", () => {
    mkdirSync(sb.path("src", "deep"), { recursive: true });
    const r = node(`import { getSecret } from "gitops-secrets"; process.stdout.write(String(await getSecret("app/SENTRY_DSN")));`, sb.path("src", "deep"));
    expect(r.stdout).toBe("https://key@sentry.io/project");
  });

  it("errors are typed across the package boundary and carry no value", () => {
    const r = node(`
      import { SecretsClient, SecretNotFound, SecretsError } from "gitops-secrets";
      try { await new SecretsClient().get("app/NOPE"); } catch (e) {
        process.stdout.write(JSON.stringify({ nf: e instanceof SecretNotFound, se: e instanceof SecretsError, name: e.name, kind: e.kind, msg: e.message }));
      }
    `);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ nf: true, se: true, name: "SecretNotFound", kind: "not-found" });
    expect(out.msg).toContain("app/NOPE");
  });

  it("its .d.ts type-checks a strict consumer, and rejects a wrong use", () => {
    // skipDefaultLibCheck: TypeScript's own lib.*.d.ts are not checked (most of tsc's time); the package's
    // declarations still are (skipLibCheck would skip those too).
    writeFileSync(sb.path("tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, types: [], skipDefaultLibCheck: true }, files: ["consumer.ts", "wrong.ts"] }));
    writeFileSync(
      sb.path("consumer.ts"),
      `import { SecretsClient, getSecret, SecretNotFound, type SecretValue, type SecretsClientOptions } from "gitops-secrets";
const options: SecretsClientOptions = { root: "secrets", identities: [] };
const client = new SecretsClient(options);
export async function main(): Promise<string> {
  const v: SecretValue = await client.get("app/API_KEY");
  const m: Record<string, SecretValue> = await client.getMany(["app/API_KEY"]);
  await client.set("app/X", "y", { metadata: { owner: "me", days: 3 } });
  const l: string[] = await client.list("app");
  const s: number = client.stats().decryptions;
  const e: boolean = new Error() instanceof SecretNotFound;
  return String(v) + String(m) + l.join() + s + e + String(await getSecret("app/API_KEY"));
}
`,
    );
    // One tsc run checks both files (tsc starts once): it fails, and only because of wrong.ts.
    writeFileSync(sb.path("wrong.ts"), `import { SecretsClient } from "gitops-secrets";\nexport const n: Promise<number> = new SecretsClient().get("a/b");\nnew SecretsClient({ nope: 1 });\n`);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", sb.repo], { cwd: sb.repo, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).not.toBe(0);
    expect(diagnosticLines(r.stdout).filter((l) => !l.startsWith("wrong.ts("))).toEqual([]);
    expect(r.stdout).toMatch(/wrong\.ts\(2,.*TS2322/);
    expect(r.stdout).toMatch(/wrong\.ts\(3,.*nope/);
  }, 120_000);
});
