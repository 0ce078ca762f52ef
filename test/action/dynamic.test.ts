import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { loginWorks, startPostgres, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";
import { installedAction } from "./fixture.js";
import { inspectStage, prepareStep, runStage, type Inspection, type StageResult, type Step } from "./runner-harness.js";

/**
 * The `dynamic` input, run as the runner runs the bundled action/dist against a real PostgreSQL:
 * `database/creds/app | DB` mints a login, masks every value before printing anything, exports it
 * as static secrets are (outputs, env), lists the lease in the summary without a value, and the post
 * step revokes it; when a later line fails, the post step still revokes what was minted.
 */

const ACTION = installedAction();
let db: TestPostgres;
const sb = new Sandbox();
let ageKey: string;

async function pgRole(name: string): Promise<boolean> {
  return (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
}

async function ghaRoles(): Promise<string[]> {
  return (await db.admin<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-gha-%' ORDER BY 1")).rows.map((r) => r.rolname);
}

/** A step whose workspace is a copy of the sandbox's checkout (with its .git), with these inputs. */
function stepWith(inputs: Record<string, string>): Step {
  const step = prepareStep({ actionDir: ACTION, inputs: { "age-key": ageKey, ...inputs } });
  cpSync(sb.repo, step.dirs.workspace, { recursive: true });
  return step;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db);
  sb.git("commit", "-q", "-m", "database engine");
  ageKey = readFileSync(join(sb.dir, "config", "sops", "age", "keys.txt"), "utf8");
}, 120_000);

afterAll(async () => {
  await db?.stop();
  sb.cleanup();
});

describe("dynamic: database/creds/app | DB, export-env", () => {
  let step: Step;
  let main: StageResult;
  let r: Inspection;
  let values: Record<string, string>;

  beforeAll(async () => {
    step = stepWith({ dynamic: "database/creds/app | DB", "export-env": "true" });
    main = runStage(step, "main");
    const outputs = inspectStage(step, main, {}).outputs.values;
    values = { DB_USERNAME: outputs.DB_USERNAME ?? "", DB_PASSWORD: outputs.DB_PASSWORD ?? "", DB_LEASE_ID: outputs.DB_LEASE_ID ?? "", ADMIN_PASSWORD: db.adminPassword };
    r = inspectStage(step, main, values);
    expect(await loginWorks(db, values.DB_USERNAME!, values.DB_PASSWORD!)).toBe(true);
  });

  it("succeeds and exports DB_USERNAME, DB_PASSWORD, DB_LEASE_ID as outputs and env", () => {
    expect(main.status, main.stdout.slice(-1500)).toBe(0);
    expect(main.stderr).toBe("");
    expect(values.DB_USERNAME).toMatch(/^v-gha-depl-app-[A-Za-z0-9]{20}-\d{10}$/);
    expect(values.DB_LEASE_ID).toBe(`database/creds/app/${values.DB_USERNAME}`);
    for (const n of ["DB_USERNAME", "DB_PASSWORD", "DB_LEASE_ID"]) expect(r.env.values[n]).toBe(values[n]);
    expect(r.outputs.values["secret-count"]).toBe("3");
  });

  it("registers every value before printing anything else, and leaks none anywhere (state and summary included)", () => {
    expect(r.missingMasks.filter((n) => n !== "ADMIN_PASSWORD")).toEqual([]);
    expect(r.leaks).toEqual([]);
    const lines = main.stdout.split("\n");
    const lastMask = lines.map((l) => l.startsWith("::add-mask::")).lastIndexOf(true);
    const firstOther = lines.findIndex((l) => l !== "" && !l.startsWith("::add-mask::"));
    expect(firstOther).toBeGreaterThan(lastMask);
    expect(r.log.map((l) => l.text).join("\n")).toContain("minted 1 dynamic credential (3 values, revoked by the post step)");
  });

  it("lists the lease in the summary and audit-json: path, names, TTL, no value", () => {
    expect(r.summary).toContain("Dynamic credentials (revoked by the post step)");
    expect(r.summary).toContain("| `database/creds/app` | `DB_USERNAME`<br>`DB_PASSWORD`<br>`DB_LEASE_ID` | 3600 | yes |");
    const audit = JSON.parse(r.outputs.values["audit-json"]!) as { dynamic: unknown[]; files: unknown[] };
    expect(audit.files).toEqual([]);
    expect(audit.dynamic).toEqual([{ path: "database/creds/app", names: ["DB_USERNAME", "DB_PASSWORD", "DB_LEASE_ID"], ttl: 3600, renewable: true }]);
  });

  it("the post step revokes the lease: the role is gone, the login fails; nothing leaks", async () => {
    const leasesFile = r.state.values["leases-file"]!;
    expect(existsSync(leasesFile)).toBe(true);
    const post = runStage(step, "post");
    expect(post.status, post.stdout).toBe(0);
    expect(post.stdout).toContain("Revoked 1 lease the main step minted.");
    expect(await pgRole(values.DB_USERNAME!)).toBe(false);
    expect(await loginWorks(db, values.DB_USERNAME!, values.DB_PASSWORD!)).toBe(false);
    expect(existsSync(leasesFile)).toBe(false);
    expect(inspectStage(step, post, values).leaks).toEqual([]);
  });
});

describe("dynamic with a failing line: the job fails, the post step still revokes what was minted", () => {
  it("mints the first, fails on the second (unknown role) without its text, and post revokes the first", async () => {
    const before = await ghaRoles();
    const step = stepWith({ dynamic: "database/creds/app | FIRST\ndatabase/creds/nope | SECOND" });
    const main = runStage(step, "main");
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("::error::input dynamic: line 2: cannot mint database/creds/nope: the engine refused it");
    const minted = (await ghaRoles()).filter((n) => !before.includes(n));
    expect(minted).toHaveLength(1);
    const post = runStage(step, "post");
    expect(post.status, post.stdout).toBe(0);
    expect(await pgRole(minted[0]!)).toBe(false);
  });

  it("refuses a line that is not a credentials path before minting anything", async () => {
    const before = await ghaRoles();
    const step = stepWith({ dynamic: "database/creds/app | OK\nnot a path!! | X" });
    const main = runStage(step, "main");
    expect(main.stdout).toContain("::error::input dynamic: line 2 is not a credentials path");
    expect(await ghaRoles()).toEqual(before);
  });
});
