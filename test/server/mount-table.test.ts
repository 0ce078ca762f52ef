import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RepositoryMountTable, type MountFactories } from "../../src/server/config/mount-table.js";
import type { Mount } from "../../src/server/mounts/mount.js";

const fake = (point: string, type: string): Mount => ({ point, type, handle: () => Promise.resolve({ status: 204 }) });
let built: string[] = [];
const factories: MountFactories = {
  secrets: { kv: ({ point, entry }) => (built.push(point), fake(point, `kv${entry.options?.version ?? "1"}`)) },
  auth: { jwt: ({ point }) => (built.push(point), fake(point, "jwt")) },
};

let top: string;
afterEach(() => {
  rmSync(top, { recursive: true, force: true });
  built = [];
});
function table(): RepositoryMountTable {
  top = mkdtempSync(join(tmpdir(), "mount-table-"));
  mkdirSync(join(top, ".secrets"));
  return new RepositoryMountTable(top, [fake("sys/", "system"), fake("auth/token/", "token")], factories);
}
const write = (text: string) => writeFileSync(join(top, ".secrets", "mounts.yaml"), text);

describe("RepositoryMountTable (.secrets/mounts.yaml)", () => {
  it("without a file: Vault's dev default, KV version 2 at secret/, beside the built-in mounts", async () => {
    const t = table();
    expect((await t.all()).map((m) => `${m.point}=${m.type}`)).toEqual(["auth/token/=token", "secret/=kv2", "sys/=system"]);
  });

  it("follows the file: a new mount answers at once; an unchanged entry keeps its mount", async () => {
    const t = table();
    write("secrets:\n  secret/: {type: kv, options: {version: '2'}}\n");
    expect((await t.resolve("team/data/x"))).toBeNull();
    write("secrets:\n  secret/: {type: kv, options: {version: '2'}}\n  team/: {type: kv, options: {version: '2'}, folder: teams/a}\nauth:\n  jwt/: {type: jwt}\n");
    expect((await t.resolve("team/data/x"))?.point).toBe("team/");
    expect((await t.resolve("auth/jwt/login"))?.type).toBe("jwt");
    await t.all();
    expect(built.filter((p) => p === "secret/")).toHaveLength(1);
  });

  it("refuses a file that does not parse, a reserved point, and an engine type the server lacks", async () => {
    const t = table();
    write("secrets: [\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("not valid YAML") });
    write("secrets:\n  sys/: {type: kv}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("reserved") });
    write("secrets:\n  db/: {type: database}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: expect.stringContaining('"database"') });
    write("secrets:\n  no-slash: {type: kv}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config" });
  });

  it("refuses mounts whose folders overlap (the same folder, or one inside another), the implicit secrets root of secret/ included", async () => {
    const t = table();
    write("secrets:\n  a/: {type: kv, folder: teams}\n  b/: {type: kv, folder: teams/b}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: ".secrets/mounts.yaml: the folder of a/ (teams) holds the folder of b/ (teams/b); a mount's folder may not hold another mount's" });
    write("secrets:\n  a/: {type: kv, folder: x}\n  b/: {type: kv, folder: ./x/}\n");
    await expect(t.all()).rejects.toMatchObject({ message: ".secrets/mounts.yaml: a/ and b/ have the same folder (x); a mount's folder may not hold another mount's" });
    write("secrets:\n  secret/: {type: kv, options: {version: '2'}}\n  inner/: {type: kv, folder: secrets/inner}\n");
    await expect(t.all()).rejects.toMatchObject({ message: expect.stringContaining("the folder of secret/ (secrets) holds the folder of inner/ (secrets/inner)") });
    // Folders that only share a prefix of their names do not overlap.
    write("secrets:\n  a/: {type: kv, folder: kv/a}\n  ab/: {type: kv, folder: kv/ab}\n");
    expect((await t.all()).map((m) => m.point)).toEqual(["a/", "ab/", "auth/token/", "sys/"]);
    write("secrets:\n  up/: {type: kv, folder: ../elsewhere}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("is not inside the work tree") });
    write("secrets:\n  nofolder/: {type: kv}\n");
    await expect(t.all()).rejects.toMatchObject({ kind: "config", message: ".secrets/mounts.yaml: nofolder/ needs a folder" });
  });
});
