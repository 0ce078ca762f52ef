import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RepositoryAwsConfig } from "../../src/engines/aws/config-files.js";
import { RepositoryDatabaseConfig } from "../../src/engines/postgres/config-files.js";
import { Workspace } from "../../src/workspace/workspace.js";

/**
 * The engines' plaintext role files are reviewed like code: a symbolic link among them may point
 * within the engine's folder, never out of it (before, the role readers followed any link, so a
 * link could make a "reviewed" role of any file on the machine).
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "role-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const engines = [
  { name: "database", role: "db_name: main\ncreation_statements: [\"CREATE ROLE \\\"{{name}}\\\"\"]\n", open: (folder: string, workspace: Workspace) => new RepositoryDatabaseConfig({ folder, workspace }) },
  { name: "aws", role: "credential_type: session_token\n", open: (folder: string, workspace: Workspace) => new RepositoryAwsConfig({ folder, workspace }) },
] as const;

describe.each(engines)("the $name engine's role files", ({ name, role, open }) => {
  function setUp(): { config: ReturnType<typeof open>; roles: string } {
    const folder = join(dir, "repo", ".secrets", "engines", name);
    const roles = join(folder, "roles");
    mkdirSync(roles, { recursive: true });
    return { config: open(folder, new Workspace({ startDir: join(dir, "repo"), env: {} })), roles };
  }

  it("reads a role file, and a link to another file inside the engine's folder", async () => {
    const { config, roles } = setUp();
    writeFileSync(join(roles, "app.yaml"), role);
    symlinkSync(join(roles, "app.yaml"), join(roles, "alias.yaml"));
    expect(await config.role("app")).not.toBeNull();
    expect(await config.role("alias")).not.toBeNull();
    expect(await config.role("none")).toBeNull();
  });

  it("refuses a link that leads out of the engine's folder, naming the file", async () => {
    const { config, roles } = setUp();
    const outside = join(dir, "elsewhere.yaml");
    writeFileSync(outside, role);
    symlinkSync(outside, join(roles, "escape.yaml"));
    await expect(config.role("escape")).rejects.toMatchObject({ kind: "outside-root", message: expect.stringContaining("escape.yaml") });
  });

  it("refuses two files for one role", async () => {
    const { config, roles } = setUp();
    writeFileSync(join(roles, "twice.yaml"), role);
    writeFileSync(join(roles, "twice.json"), "{}");
    await expect(config.role("twice")).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("keep one") });
  });
});

describe("the database mount's static roles", () => {
  it("reads a static role file, refuses a link out of the engine's folder", async () => {
    const { StaticRoles } = await import("../../src/server/mounts/database-static.js");
    const top = join(dir, "repo");
    const folder = join(top, ".secrets", "engines", "database", "static-roles");
    mkdirSync(folder, { recursive: true });
    const role = "db_name: main\nusername: app\nrotation_period: 1h\n";
    writeFileSync(join(folder, "app.yaml"), role);
    writeFileSync(join(dir, "outside.yaml"), role);
    symlinkSync(join(dir, "outside.yaml"), join(folder, "escape.yaml"));
    const roles = new StaticRoles("database", { repoTop: top, workspace: new Workspace({ startDir: top, env: {} }), writes: {} as never, stateDir: join(dir, "state") });
    expect(await roles.role("app")).toMatchObject({ username: "app" });
    await expect(roles.role("escape")).rejects.toMatchObject({ kind: "outside-root" });
  });
});
