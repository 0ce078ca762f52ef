import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emitEncrypted, encryptNew } from "../../../src/sops/document.js";
import { yamlStore } from "../../../src/sops/stores/yaml.js";
import { readVersion } from "../../../src/server/kv/read.js";
import { KvDataResponseSchema, KvMetadataResponseSchema, metadataResponse } from "../../../src/server/kv/responses.js";
import { kvVersions } from "../../../src/server/kv/versions.js";
import { memoryKeys } from "../../helpers/memkeys.js";

// Real repositories in temp dirs, files encrypted through the library (an in-memory key source).
// Expected shapes: vault-plugin-secrets-kv path_metadata.go pathMetadataRead and path_data.go
// pathDataRead (a deleted version answers 404 with data null and its deletion_time).

const FILE = "secrets/app.yaml";
let top: string;
const keys = memoryKeys();

function git(args: string[], date?: string): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: "alice", GIT_AUTHOR_EMAIL: "a@x", GIT_COMMITTER_NAME: "alice", GIT_COMMITTER_EMAIL: "a@x" };
  if (date) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return execFileSync("git", args, { cwd: top, env, encoding: "utf8" }).trim();
}

async function set(plain: string, date: string, author = "alice", file = FILE): Promise<string> {
  const enc = await encryptNew(yamlStore.parsePlain(Buffer.from(plain)), { groups: [["r1"]] }, keys);
  mkdirSync(join(top, "secrets"), { recursive: true });
  writeFileSync(join(top, file), emitEncrypted(yamlStore, enc));
  git(["add", file]);
  git(["-c", `user.name=${author}`, "commit", "-q", "--author", `${author} <${author}@x>`, "-m", `write ${file}`], date);
  return git(["rev-parse", "HEAD"]);
}

function remove(date: string, author = "bob"): string {
  git(["rm", "-q", FILE]);
  git(["commit", "-q", "--author", `${author} <${author}@x>`, "-m", "delete"], date);
  return git(["rev-parse", "HEAD"]);
}

beforeEach(() => {
  top = mkdtempSync(join(tmpdir(), "kv-versions-"));
  git(["init", "-q", "-b", "main"]);
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

const repo = () => ({ top });
const source = () => ({ repo: repo(), keys });

describe("kvVersions: versions are the commits that changed the file", () => {
  it("numbers versions from 1, times from the commits (UTC, whole seconds), a removal deletes the current one, putting its blob back undeletes it", async () => {
    const c1 = await set("password: one\n", "2024-01-01T10:00:00+02:00");
    const c2 = await set("password: two\nuser: app\n", "2024-01-02T00:00:00Z");
    const c3 = remove("2024-01-03T00:00:00Z");

    let h = await kvVersions(repo(), FILE);
    expect(h.currentVersion).toBe(2);
    expect(h.oldestVersion).toBe(0); // Vault's AddVersion starts it at 0
    expect(h.versions.map((v) => [v.version, v.commit, v.createdTime, v.deletionTime])).toEqual([
      [1, c1, "2024-01-01T08:00:00Z", ""],
      [2, c2, "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"],
    ]);
    expect(h.versions[1]!.deletedBy).toEqual({ actor: "bob", operation: "delete" });
    expect(c3).toMatch(/^[0-9a-f]{40}$/);

    // Reading the deleted current version: 404 with the metadata and data null.
    const deleted = await readVersion(source(), FILE);
    expect(deleted?.status).toBe(404);
    expect(deleted?.body).toEqual({
      data: null,
      metadata: { created_time: "2024-01-02T00:00:00Z", custom_metadata: null, deletion_time: "2024-01-03T00:00:00Z", destroyed: false, version: 2 },
    });
    // An older version stays readable, with its own values.
    const old = await readVersion(source(), FILE, 1);
    expect(old?.status).toBe(200);
    expect(old?.body.data).toEqual({ password: "one" });
    KvDataResponseSchema.parse(old?.body);

    // undelete: the same blob restored in a new commit; no new version.
    git(["checkout", c2, "--", FILE]);
    git(["commit", "-q", "-m", "undelete"], "2024-01-04T00:00:00Z");
    h = await kvVersions(repo(), FILE);
    expect(h.currentVersion).toBe(2);
    expect(h.versions[1]!.deletionTime).toBe("");
    expect((await readVersion(source(), FILE))?.body.data).toEqual({ password: "two", user: "app" });

    // A later write is version 3; the metadata response lists all three.
    await set("password: three\n", "2024-01-05T00:00:00Z", "carol");
    h = await kvVersions(repo(), FILE);
    const meta = metadataResponse(h);
    KvMetadataResponseSchema.parse(meta);
    expect(meta).toEqual({
      versions: {
        "1": { created_time: "2024-01-01T08:00:00Z", deletion_time: "", destroyed: false, deleted_by: null, created_by: { actor: "alice", operation: "create" } },
        "2": { created_time: "2024-01-02T00:00:00Z", deletion_time: "", destroyed: false, deleted_by: null, created_by: { actor: "alice", operation: "update" } },
        "3": { created_time: "2024-01-05T00:00:00Z", deletion_time: "", destroyed: false, deleted_by: null, created_by: { actor: "carol", operation: "update" } },
      },
      current_version: 3,
      oldest_version: 0,
      created_time: "2024-01-01T08:00:00Z",
      updated_time: "2024-01-05T00:00:00Z",
      max_versions: 0,
      cas_required: false,
      delete_version_after: "0s",
      custom_metadata: null,
      last_updated_by: { actor: "carol", operation: "update" },
    });
    expect((await readVersion(source(), FILE, 3))?.body.data).toEqual({ password: "three" });
    expect(await readVersion(source(), FILE, 4)).toBeNull(); // no such version: Vault's bare 404
  });

  it("a write after a deletion is a new version; the deleted one keeps its deletion time", async () => {
    await set("a: 1\n", "2024-02-01T00:00:00Z");
    remove("2024-02-02T00:00:00Z");
    await set("a: 2\n", "2024-02-03T00:00:00Z");
    const h = await kvVersions(repo(), FILE);
    expect(h.versions.map((v) => [v.version, v.deletionTime])).toEqual([
      [1, "2024-02-02T00:00:00Z"],
      [2, ""],
    ]);
    expect((await readVersion(source(), FILE))?.body.data).toEqual({ a: 2 });
  });

  it("has no versions for a file never committed", async () => {
    git(["commit", "-q", "--allow-empty", "-m", "init"]);
    const h = await kvVersions(repo(), FILE);
    expect(h).toMatchObject({ versions: [], currentVersion: 0, oldestVersion: 0, createdTime: "" });
    expect(await readVersion(source(), FILE)).toBeNull();
  });

  it("does not follow renames: a moved file starts again at version 1 and its old path is deleted", async () => {
    await set("a: 1\n", "2024-03-01T00:00:00Z");
    git(["mv", FILE, "secrets/moved.yaml"]);
    git(["commit", "-q", "-m", "move"], "2024-03-02T00:00:00Z");
    const moved = await kvVersions(repo(), "secrets/moved.yaml");
    expect(moved.versions.map((v) => [v.version, v.createdTime])).toEqual([[1, "2024-03-02T00:00:00Z"]]);
    const old = await kvVersions(repo(), FILE);
    expect(old.versions.map((v) => v.deletionTime)).toEqual(["2024-03-02T00:00:00Z"]);
  });

  it("applies the metadata file: destroy, deletion of an older version, custom_metadata, max_versions", async () => {
    const c1 = await set("a: 1\n", "2024-04-01T00:00:00Z");
    const c2 = await set("a: 2\n", "2024-04-02T00:00:00Z");
    await set("a: 3\n", "2024-04-03T00:00:00Z");
    const metadata = {
      custom_metadata: { owner: "team-a" },
      versions: { [c1]: { destroyed: true }, [c2]: { deletion_time: "2024-04-05T00:00:00Z" } },
    };
    const h = await kvVersions(repo(), FILE, { metadata });
    const destroyed = await readVersion(source(), FILE, 1, { metadata, history: h });
    expect(destroyed).toEqual({
      status: 404,
      body: { data: null, metadata: { created_time: "2024-04-01T00:00:00Z", custom_metadata: { owner: "team-a" }, deletion_time: "", destroyed: true, version: 1 } },
    });
    expect((await readVersion(source(), FILE, 2, { metadata, history: h }))?.status).toBe(404);
    // A deletion time still in the future is served, as in Vault (delete_version_after).
    const before = await readVersion(source(), FILE, 2, { metadata, history: h, now: new Date("2024-04-04T00:00:00Z") });
    expect(before?.status).toBe(200);
    expect(metadataResponse(h, metadata).custom_metadata).toEqual({ owner: "team-a" });

    // max_versions 2: version 1 is dropped from the map and never served; oldest_version moves.
    const kept = await kvVersions(repo(), FILE, { metadata: { max_versions: 2 } });
    expect(kept.versions.map((v) => v.version)).toEqual([2, 3]);
    expect(kept.oldestVersion).toBe(2);
    expect(metadataResponse(kept, { max_versions: 2 }).max_versions).toBe(2);
    expect(await readVersion(source(), FILE, 1, { metadata: { max_versions: 2 } })).toBeNull();
    // The mount's limit counts too: the larger of the two applies (path_data.go AddVersion).
    expect((await kvVersions(repo(), FILE, { metadata: { max_versions: 1 }, config: { max_versions: 2 } })).oldestVersion).toBe(2);
  });

  it("refuses a version this identity cannot open with kind no-key", async () => {
    await set("a: 1\n", "2024-05-01T00:00:00Z");
    await expect(readVersion({ repo: repo(), keys: memoryKeys() }, FILE)).rejects.toMatchObject({ kind: "no-key" });
  });
});
