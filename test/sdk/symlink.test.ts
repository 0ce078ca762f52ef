import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecretsClient } from "../../src/sdk/client.js";
import { Sandbox } from "../helpers/cli.js";
import { makeFixture, type Fixture } from "./fixture.js";

/**
 * A secret path never leaves the secrets root, symbolic links included: a folder or file under
 * `secrets/` that links outside is refused (kind `outside-root`) by get, list and set, and nothing
 * outside is read, rewritten or created. A link that stays inside the root is followed.
 */

let fx: Fixture;
let client: SecretsClient;
let outsideFile: string;

beforeEach(async () => {
  fx = await makeFixture();
  mkdirSync(join(fx.dir, "outside"));
  outsideFile = await fx.put(join("..", "outside", "app.yaml"), { key: "outside-value" });
  symlinkSync(join("..", "outside"), join(fx.root, "ext"));
  client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
});
afterEach(() => fx.cleanup());

const outsideRoot = { kind: "outside-root", exitCode: 60 };

describe("SDK: a symbolic link out of the secrets root", () => {
  it("get refuses a path through a linked folder", async () => {
    await expect(client.get("ext/app/key")).rejects.toMatchObject(outsideRoot);
    await expect(client.get("ext/app/key")).rejects.toThrow(/secrets\/ext\/app\.yaml" is or goes through a symbolic link that leads outside the secrets root/);
  });

  it("list refuses to walk into it", async () => {
    await fx.put("own.yaml", { token: "inside" });
    await expect(client.list()).rejects.toMatchObject(outsideRoot);
    await expect(client.list("ext")).rejects.toMatchObject(outsideRoot);
  });

  it("set neither rewrites a file outside nor creates one there", async () => {
    const before = readFileSync(outsideFile);
    await expect(client.set("ext/app/key", "attacker-value")).rejects.toMatchObject(outsideRoot);
    expect(readFileSync(outsideFile).equals(before)).toBe(true);
    await expect(client.set("ext/new/key", "v")).rejects.toMatchObject(outsideRoot);
    expect(existsSync(join(fx.dir, "outside", "new.yaml"))).toBe(false);
  });

  it("set refuses a dangling link: writing it would create its target outside", async () => {
    symlinkSync(join("..", "outside", "created.yaml"), join(fx.root, "gone.yaml"));
    await expect(client.set("gone/key", "v")).rejects.toMatchObject(outsideRoot);
    expect(existsSync(join(fx.dir, "outside", "created.yaml"))).toBe(false);
  });

  it("a linked folder or file that stays inside the root is followed", async () => {
    await fx.put("v2/app.yaml", { key: "v2-value" });
    symlinkSync("v2", join(fx.root, "current"));
    symlinkSync(join("v2", "app.yaml"), join(fx.root, "alias.yaml"));
    symlinkSync(".", join(fx.root, "v2", "loop"));
    const inside = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    expect(await inside.get("current/app/key")).toBe("v2-value");
    expect(await inside.get("alias/key")).toBe("v2-value");
    await inside.set("current/app/other", "o");
    expect(await inside.get("v2/app/other")).toBe("o");
    expect(await inside.list("current")).toEqual(["current/app/key", "current/app/other"]);
  });
});

describe("CLI: secrets get SECRET_PATH through a link out of the root", () => {
  let sb: Sandbox;
  beforeEach(() => (sb = new Sandbox()));
  afterEach(() => sb.cleanup());

  it("exits 60 with one line naming the path, printing nothing of the file outside", async () => {
    const me = (await sb.ok(["keygen"])).trim();
    writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - key_groups:\n      - age: [${me}]\n`);
    mkdirSync(sb.path("secrets"));
    mkdirSync(join(sb.dir, "outside"));
    writeFileSync(join(sb.dir, "outside", "app.yaml"), "key: outside-value\n");
    await sb.ok(["encrypt", "--age", me, "-i", join(sb.dir, "outside", "app.yaml")]);
    symlinkSync(join(sb.dir, "outside"), sb.path("secrets", "ext"));
    const r = await sb.run(["get", "ext/app/key"]);
    expect(r.code).toBe(60);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("outside-value");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/secrets\/ext\/app\.yaml" is or goes through a symbolic link that leads outside the secrets root/);
  });
});
