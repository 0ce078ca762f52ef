import { readFileSync, statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/** `secrets token create|list|revoke` end to end, through the built CLI, in a fresh git repository. */
describe("secrets token", () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it("creates a token: printed once on stdout, only its hash in .secrets/tokens.yaml", async () => {
    const r = await sb.run(["token", "create", "admin", "--policy", "root"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hvs\.[0-9A-Za-z]{24}\n$/);
    const token = r.stdout.trim();
    expect(r.stderr).not.toContain(token);
    const file = readFileSync(sb.path(".secrets", "tokens.yaml"), "utf8");
    expect(file).not.toContain(token);
    expect(file).not.toContain(token.slice(4));
    expect(file).toMatch(/admin:\n\s+accessor: [0-9A-Za-z]{24}\n\s+hash: sha256:[0-9a-f]{64}\n\s+policies:\n\s+- root/);
    expect(statSync(sb.path(".secrets", "tokens.yaml")).isFile()).toBe(true);
    // Not committed unless asked.
    expect(sb.git("status", "--porcelain")).toContain(".secrets/");
  });

  it("takes policies, ttl and meta; --commit commits the file alone", async () => {
    const out = await sb.ok(["token", "create", "ci", "--policy", "deploy", "--policy", "Read", "--ttl", "720h", "--meta", "team=payments", "--commit"]);
    expect(out).toMatch(/^hvs\./);
    expect(sb.git("log", "-1", "--format=%s")).toBe("secrets token create ci\n");
    expect(sb.git("show", "--name-only", "--format=", "HEAD")).toBe(".secrets/tokens.yaml\n");
    const list = JSON.parse(await sb.ok(["token", "list", "--format", "json"])) as Array<Record<string, unknown>>;
    expect(list.map((t) => t.name)).toEqual(["admin", "ci"]);
    expect(list[1]).toMatchObject({ display_name: "token-ci", policies: ["default", "deploy", "read"], creation_ttl: 720 * 3600, expired: false, meta: { team: "payments" } });
    expect(list[0]).toMatchObject({ policies: ["root"], expire_time: null });
    expect(JSON.stringify(list)).not.toContain("sha256:");
  });

  it("lists as a table without hashes", async () => {
    const out = await sb.ok(["token", "list"]);
    expect(out.split("\n")[0]).toMatch(/^NAME\s+ACCESSOR\s+POLICIES\s+CREATED\s+EXPIRES$/);
    expect(out).toMatch(/^admin\s+[0-9A-Za-z]{24}\s+root\s+\S+Z\s+never$/m);
    expect(out).not.toContain("sha256");
  });

  it("refuses a taken name, a bad ttl and a missing policy, with usage exit 1", async () => {
    const taken = await sb.run(["token", "create", "ci", "--policy", "p"]);
    expect([taken.code, taken.stdout]).toEqual([1, ""]);
    expect(taken.stderr).toContain("a token named ci exists already");
    const badTtl = await sb.run(["token", "create", "x", "--policy", "p", "--ttl", "soon"]);
    expect([badTtl.code, badTtl.stdout]).toEqual([1, ""]);
    expect(badTtl.stderr).toContain("--ttl");
    const noPolicy = await sb.run(["token", "create", "x"]);
    expect(noPolicy.code).toBe(1);
  });

  it("revokes by name, and says so when there is no such token", async () => {
    await sb.ok(["token", "revoke", "ci", "--commit"]);
    expect(sb.git("log", "-1", "--format=%s")).toBe("secrets token revoke ci\n");
    const list = JSON.parse(await sb.ok(["token", "list", "--format", "json"])) as Array<{ name: string }>;
    expect(list.map((t) => t.name)).toEqual(["admin"]);
    const again = await sb.run(["token", "revoke", "ci"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no token named ci");
  });
});
