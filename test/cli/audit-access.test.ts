import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult, Sandbox } from "../helpers/cli.js";
import { AuditFormatter } from "../../src/audit-log/format.js";
import { buildFixture, startServe, VALUES } from "../server/serve-helpers.js";

/**
 * `secrets audit --access LOG` through the built CLI (dist/cli.js), on the audit log of a real
 * `secrets serve --audit-file` run driven by node-vault and node:http: the rows (who, what, when,
 * from where, with what result) and that neither a value nor a token reaches the output.
 */

const require = createRequire(import.meta.url);
/** Written by the test through the server: must not appear in any output either. */
const WRITTEN = "written-through-the-api-§1";

interface Row {
  time: string;
  request_id: string;
  display_name: string | null;
  accessor: string | null;
  policies: string[];
  operation: string;
  path: string;
  mount_point: string | null;
  mount_type: string | null;
  secret: string | null;
  remote_address: string;
  remote_port: number;
  result: string;
  error: string | null;
  response_data: boolean | null;
}

let sb: Sandbox;
let log: string;
let tokens: string[];
const started = new Date();

/** Runs the CLI and checks that nothing secret is in what it printed. */
async function audit(args: string[]): Promise<RunResult> {
  const r = await sb.run(["audit", ...args]);
  for (const s of [...VALUES, WRITTEN, "hunter", ...tokens, ...tokens.map((t) => t.slice(4))]) {
    expect(r.stdout, s).not.toContain(s);
    expect(r.stderr, s).not.toContain(s);
  }
  return r;
}

async function rows(args: string[] = []): Promise<Row[]> {
  const r = await audit(["--access", log, "--format", "json", ...args]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  return JSON.parse(r.stdout) as Row[];
}

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/read-app.hcl"), 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n');
  const ci = (await sb.ok(["token", "create", "ci", "--policy", "read-app"])).trim();
  log = join(sb.dir, "audit.log");
  const served = await startServe(sb, ["--audit-file", log]);
  const root = served.rootToken!;
  const bogus = "hvs.not-a-token-of-this-server";
  tokens = [root, ci, bogus];
  const asRoot = require("node-vault")({ endpoint: served.url, token: root });
  const asCi = require("node-vault")({ endpoint: served.url, token: ci });
  const nobody = require("node-vault")({ endpoint: served.url, token: bogus });
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { response?: { statusCode: number } }) => e.response?.statusCode);
  // In this order: the rows below follow it.
  await asRoot.write("secret/data/app", { data: { password: WRITTEN } });
  await asRoot.read("secret/data/app");
  await asCi.read("secret/data/app");
  expect(await status(asCi.read("secret/data/team/db"))).toBe(403);
  expect(await status(nobody.read("secret/data/app"))).toBe(403);
  await asRoot.list("secret/metadata/team");
  expect(await status(asRoot.read("secret/data/nope"))).toBe(404);
  await asRoot.delete("secret/data/team/db");
  await asRoot.tokenLookupSelf();
  expect(await served.stop()).toBe(0);
}, 90_000);

afterAll(() => sb?.cleanup());

describe("secrets audit --access", () => {
  it("one row per request to a secret, in order: who, what, which secret, from where, what came of it", async () => {
    const got = await rows();
    expect(got.map((r) => [r.display_name, r.operation, r.path, r.secret, r.result, r.error, r.response_data])).toEqual([
      ["root", "update", "secret/data/app", "secret/app", "ok", null, true],
      ["root", "read", "secret/data/app", "secret/app", "ok", null, true],
      ["token-ci", "read", "secret/data/app", "secret/app", "ok", null, true],
      ["token-ci", "read", "secret/data/team/db", "secret/team/db", "error", "1 error occurred:\n\t* permission denied\n\n", false],
      [null, "read", "secret/data/app", "secret/app", "error", "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n", false],
      ["root", "list", "secret/metadata/team/", "secret/team/", "ok", null, true],
      ["root", "read", "secret/data/nope", "secret/nope", "ok", null, false],
      ["root", "delete", "secret/data/team/db", "secret/team/db", "ok", null, false],
    ]);
    for (const r of got) {
      expect(r.remote_address).toBe("127.0.0.1");
      expect(r.remote_port).toBeGreaterThan(0);
      expect(r.mount_point).toBe("secret/");
      expect(r.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(r.time)).toBeGreaterThanOrEqual(started.getTime() - 1000);
    }
    // Accessors as logged: HMAC'd; one per token.
    const root = got[0]!.accessor!;
    expect(root).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(got[2]!.accessor).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(got[2]!.accessor).not.toBe(root);
    expect(got[2]!.policies).toEqual(["default", "read-app"]);
    expect(got[4]!.accessor).toBeNull();
  });

  it("as a table: the same rows, the accessor shortened, the result in words", async () => {
    const r = await audit(["--access", log]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+WHO\s+ACCESSOR\s+OPERATION\s+PATH\s+FROM\s+RESULT$/);
    expect(lines.length).toBe(9);
    const cells = lines.slice(1).map((l) => l.split(/\s{2,}/));
    expect(cells.map((c) => c.slice(1))).toEqual([
      ["root", expect.stringMatching(/^hmac-sha256:[0-9a-f]{8}$/), "update", "secret/data/app", expect.stringMatching(/^127\.0\.0\.1:\d+$/), "ok"],
      ["root", expect.any(String), "read", "secret/data/app", expect.any(String), "ok"],
      ["token-ci", expect.any(String), "read", "secret/data/app", expect.any(String), "ok"],
      ["token-ci", expect.any(String), "read", "secret/data/team/db", expect.any(String), "permission denied"],
      ["-", "-", "read", "secret/data/app", expect.any(String), "permission denied; invalid token"],
      ["root", expect.any(String), "list", "secret/metadata/team/", expect.any(String), "ok"],
      ["root", expect.any(String), "read", "secret/data/nope", expect.any(String), "ok (no data)"],
      ["root", expect.any(String), "delete", "secret/data/team/db", expect.any(String), "ok (no data)"],
    ]);
  });

  it("--path takes a policy path over every mount; --since a duration or a time", async () => {
    expect((await rows(["--path", "secret/data/team/*"])).map((r) => [r.display_name, r.operation])).toEqual([
      ["token-ci", "read"],
      ["root", "delete"],
    ]);
    expect((await rows(["--path", "secret/+/team/*"])).map((r) => r.path)).toEqual(["secret/data/team/db", "secret/metadata/team/", "secret/data/team/db"]);
    expect((await rows(["--path", "auth/token/*"])).map((r) => [r.display_name, r.path, r.result])).toEqual([["root", "auth/token/lookup-self", "ok"]]);
    expect((await rows(["--path", "*"])).length).toBe(9);
    expect((await rows(["--since", "1h"])).length).toBe(8);
    expect(await rows(["--since", new Date(Date.now() + 3_600_000).toISOString()])).toEqual([]);
    const table = await audit(["--access", log, "--since", "2999-01-01"]);
    expect([table.code, table.stdout]).toEqual([0, "TIME  WHO  ACCESSOR  OPERATION  PATH  FROM  RESULT\n"]);
  });

  it("a cut last line (a log rotated or still being written) is skipped with a warning; the rest is read", async () => {
    const cut = join(sb.dir, "cut.log");
    copyFileSync(log, cut);
    const lastLine = readFileSync(log, "utf8").trimEnd().split("\n").at(-1)!;
    appendFileSync(cut, lastLine.slice(0, Math.floor(lastLine.length / 2)));
    const r = await audit(["--access", cut, "--format", "json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Row[]).length).toBe(8);
    expect(r.stderr).toMatch(/^secrets: \S+cut\.log: line \d+ is cut short \(the log was cut there, or is being written\): skipped\n$/);
  });

  it("a long log streams out in blocks: every row once, one header, columns that only widen", async () => {
    const big = join(sb.dir, "big.log");
    const f = new AuditFormatter((v) => `hmac-sha256:${"0".repeat(56)}${v.length.toString(16).padStart(8, "0")}`);
    const n = 2500;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      // A longer path after the first block: the PATH column widens there.
      const request = { id: `r${i}`, operation: "read" as const, path: i < 1500 ? "secret/data/a" : "secret/data/a-much-longer-name", mountPoint: "secret/", mountType: "kv", remoteAddress: "::1", remotePort: 1000 + i };
      out.push(f.line({ type: "request", auth: { displayName: "token-bulk", accessor: "A" }, request }), f.line({ type: "response", auth: {}, request, response: {} }));
    }
    writeFileSync(big, out.join(""));
    const json = await audit(["--access", big, "--format", "json"]);
    const parsed = JSON.parse(json.stdout) as Row[];
    expect(parsed.map((r) => r.request_id)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    const table = (await audit(["--access", big])).stdout.trimEnd().split("\n");
    expect(table.length).toBe(n + 1);
    expect(table.filter((l) => l.startsWith("TIME")).length).toBe(1);
    expect(table[1]).toMatch(/ token-bulk {2}hmac-sha256:00000000 {2}read {7}secret\/data\/a {2}\[::1\]:1000 {2}ok \(no data\)$/);
    // The second block holds the longer path: from there on the column is that wide.
    expect(table[1001]).toMatch(/ secret\/data\/a {19}\[::1\]:2000 {2}ok \(no data\)$/);
    expect(table.at(-1)).toMatch(/ secret\/data\/a-much-longer-name {2}\[::1\]:3499 {2}ok \(no data\)$/);
  });

  it("a file that is not an audit log: one line, exit 42; a missing file: exit 2; bad options: exit 1, before the log is read", async () => {
    const notLog = await audit(["--access", sb.path(".sops.yaml")]);
    expect(notLog.code).toBe(42);
    expect(notLog.stdout).toBe("");
    expect(notLog.stderr).toMatch(/^secrets: \S+\.sops\.yaml: not a Vault-format audit log: line 1 is not an audit entry\n$/);
    const missing = await audit(["--access", join(sb.dir, "nope.log")]);
    expect([missing.code, missing.stdout]).toEqual([2, ""]);
    expect(missing.stderr).toMatch(/nope\.log: cannot read the file \(ENOENT\)\n$/);
    for (const [args, message] of [
      [["--access", log, "--format", "markdown"], "--format: expected table or json"],
      [["--access", log, "--since", "2024"], "--since: expected a duration"],
      [["--access", log, "--path", "secret/+*"], "--path: path \"secret/+*\": invalid use of wildcards"],
      [["--access", log, "secrets/app.yaml"], "--access reads the audit log alone: give no files"],
      [["--access", log, "--config", ".sops.yaml"], "--config: not used with --access"],
      [["--path", "secret/*"], "--path: only with --access"],
    ] as const) {
      const r = await audit([...args]);
      expect([r.code, r.stdout], args.join(" ")).toEqual([1, ""]);
      expect(r.stderr.split("\n").length, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
