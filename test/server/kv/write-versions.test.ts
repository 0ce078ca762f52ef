import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mergePatch } from "../../../src/server/kv/merge-patch.js";
import { CAS_MANDATED_WARNING, customMetadataErrors, deleteMetadata, writeMetadata } from "../../../src/server/kv/metadata-write.js";
import { metadataResponse } from "../../../src/server/kv/responses.js";
import { deleteVersions, destroyVersions, NO_VERSION, NO_VERSION_DESTROY, undeleteVersions, VersionsField } from "../../../src/server/kv/versions-write.js";
import { deleteLatest, writeSecret } from "../../../src/server/kv/write.js";
import { actor, kvRepo, type KvRepo } from "./write-helpers.js";
import { rejectionOf } from "../../helpers/errors.js";

// Expectations from vault-plugin-secrets-kv path_delete.go (pathDeleteWrite, pathUndeleteWrite),
// path_destroy.go (pathDestroyWrite), path_metadata.go (pathMetadataWrite, validateCustomMetadata,
// pathMetadataDelete) and docs/server.md (how each maps onto git).

let r: KvRepo;
beforeEach(async () => {
  r = await kvRepo();
});
afterEach(() => r.cleanup());


const three = async () => {
  for (const v of ["1", "2", "3"]) await writeSecret(r.ctx, r.mount, "app", { v }, actor());
};
const state = async () => (await r.history()).versions.map((v) => [v.version, v.deletionTime !== "", v.destroyed]);

describe("delete, undelete, destroy", () => {
  it("round trip read back through kvVersions and readVersion", async () => {
    await three();
    // Delete an older version: recorded in the metadata file, the file stays.
    await deleteVersions(r.ctx, r.mount, "app", [1], actor("token-del"));
    expect(await state()).toEqual([[1, true, false], [2, false, false], [3, false, false]]);
    expect((await r.read(1))?.status).toBe(404);
    expect(r.git(["log", "-1", "--format=%an|%s", "--name-only"])).toBe("token-del|delete secret/app (version 1)\n\nsecrets/.kv-metadata.yaml");

    // Delete the latest: a commit removing the file.
    await deleteLatest(r.ctx, r.mount, "app", actor());
    expect(await state()).toEqual([[1, true, false], [2, false, false], [3, true, false]]);
    expect(r.git(["show", "--name-status", "--format=", "HEAD"])).toBe("D\tsecrets/app.yaml");
    const deleted = await r.read();
    expect(deleted?.status).toBe(404);
    expect(deleted?.body.data).toBeNull();
    // Deleting again changes nothing (Vault: already deleted).
    const head = r.git(["rev-parse", "HEAD"]);
    await deleteLatest(r.ctx, r.mount, "app", actor());
    expect(r.git(["rev-parse", "HEAD"])).toBe(head);

    // Undelete both: version 3's blob comes back in a new commit; version 1's deletion is cleared.
    await undeleteVersions(r.ctx, r.mount, "app", [1, 3], actor());
    expect(await state()).toEqual([[1, false, false], [2, false, false], [3, false, false]]);
    expect((await r.read())?.body.data).toEqual({ v: "3" });
    expect((await r.read(1))?.body.data).toEqual({ v: "1" });
    expect((await r.history()).currentVersion).toBe(3);

    // Destroy version 2: never served again, the file is untouched.
    await destroyVersions(r.ctx, r.mount, "app", [2, 99], actor());
    expect(await state()).toEqual([[1, false, false], [2, false, true], [3, false, false]]);
    const destroyed = await r.read(2);
    expect([destroyed?.status, destroyed?.body.data, destroyed?.body.metadata.destroyed]).toEqual([404, null, true]);
    // Undelete skips a destroyed version; a later write is version 4.
    await undeleteVersions(r.ctx, r.mount, "app", [2], actor());
    expect((await r.read(2))?.status).toBe(404);
    expect((await writeSecret(r.ctx, r.mount, "app", { v: "4" }, { ...actor(), options: { cas: 3 } })).version).toBe(4);
    expect(r.git(["status", "--porcelain"])).toBe("");
  });

  it("deleting the current version by number removes the file too; undelete of an older version deleted by a removal", async () => {
    await writeSecret(r.ctx, r.mount, "app", { v: "1" }, actor());
    await deleteVersions(r.ctx, r.mount, "app", [1], actor());
    expect(r.git(["show", "--name-status", "--format=", "HEAD"])).toBe("D\tsecrets/app.yaml");
    await writeSecret(r.ctx, r.mount, "app", { v: "2" }, actor());
    expect(await state()).toEqual([[1, true, false], [2, false, false]]);
    await undeleteVersions(r.ctx, r.mount, "app", [1], actor());
    expect(await state()).toEqual([[1, false, false], [2, false, false]]);
    expect((await r.read(1))?.body.data).toEqual({ v: "1" });
  });

  it("Vault's error strings for no versions (400), and no error for a key that does not exist", async () => {
    for (const [p, msg] of [
      [deleteVersions(r.ctx, r.mount, "app", [], actor()), NO_VERSION],
      [undeleteVersions(r.ctx, r.mount, "app", [], actor()), NO_VERSION],
      [destroyVersions(r.ctx, r.mount, "app", [], actor()), NO_VERSION_DESTROY],
    ] as const) {
      const e = await rejectionOf(p);
      expect([e.message, e.httpStatus]).toEqual([msg, 400]);
    }
    expect(NO_VERSION).toBe("No version number provided");
    expect(NO_VERSION_DESTROY).toBe("no version number provided");
    await deleteVersions(r.ctx, r.mount, "missing", [1], actor());
    await destroyVersions(r.ctx, r.mount, "missing", [1], actor());
    await deleteLatest(r.ctx, r.mount, "missing", actor());
    expect(r.git(["log", "--format=%s"])).toBe("init");
  });

  it("the versions field takes what TypeCommaIntSlice takes", () => {
    expect(VersionsField.parse([1, "2"])).toEqual([1, 2]);
    expect(VersionsField.parse("1, 3")).toEqual([1, 3]);
    expect(VersionsField.parse(4)).toEqual([4]);
    expect(VersionsField.parse(undefined)).toEqual([]);
    expect(VersionsField.safeParse(["x"]).success).toBe(false);
  });

  it("a crash after the metadata file was written: the next edit of it commits the change", async () => {
    await three();
    const crashed = { ...r.ctx, beforeCommit: async () => { throw new Error("killed"); } };
    await expect(destroyVersions(crashed, r.mount, "app", [1], actor())).rejects.toThrow("killed");
    expect(r.git(["status", "--porcelain"])).toBe("?? secrets/.kv-metadata.yaml");
    await destroyVersions(r.ctx, r.mount, "app", [2], actor());
    expect(r.git(["status", "--porcelain"])).toBe("");
    expect(await state()).toEqual([[1, false, true], [2, false, true], [3, false, false]]);
  });
});

describe("writeMetadata", () => {
  it("sets max_versions, cas_required and custom_metadata, committed; the metadata read shows them", async () => {
    await three();
    const res = await writeMetadata(r.ctx, r.mount, "app", { max_versions: 2, cas_required: "true", custom_metadata: { owner: "team-a", n: 5 } }, actor("token-admin"));
    expect(res).toEqual({ warnings: [] });
    expect(r.git(["log", "-1", "--format=%an|%s", "--name-only"])).toBe("token-admin|write metadata of secret/app\n\nsecrets/.kv-metadata.yaml");
    const meta = readFileSync(join(r.top, "secrets/.kv-metadata.yaml"), "utf8");
    expect(meta).toContain("owner: team-a");
    const h = await r.history();
    // max_versions 2: only versions 2 and 3 are kept; oldest_version as AddVersion computes it.
    expect(h.versions.map((v) => v.version)).toEqual([2, 3]);
    const body = metadataResponse(h, { max_versions: 2, cas_required: true, custom_metadata: { owner: "team-a", n: "5" } });
    expect(body).toMatchObject({ max_versions: 2, cas_required: true, custom_metadata: { owner: "team-a", n: "5" }, oldest_version: 2 });
    expect((await writeSecret(r.ctx, r.mount, "app", { v: "4" }, { ...actor(), options: { cas: 3 } })).custom_metadata).toEqual({ owner: "team-a", n: "5" });
  });

  it("metadata before any version: a record with created_time; nothing given: nothing written", async () => {
    await writeMetadata(r.ctx, r.mount, "later", {}, actor());
    expect(r.git(["log", "--format=%s"])).toBe("init");
    await writeMetadata(r.ctx, r.mount, "later", { cas_required: true }, actor());
    const meta = readFileSync(join(r.top, "secrets/.kv-metadata.yaml"), "utf8");
    expect(meta).toMatch(/later\.yaml:\n\s+created_time: "?\d{4}-/);
    expect(meta).toContain("cas_required: true");
  });

  it("warns when the mount mandates cas", async () => {
    await writeMetadata(r.ctx, r.mount, "app", { cas_required: true }, actor());
    // The mount's config is not written by this module; edit it as a pull request would.
    const file = join(r.top, "secrets/.kv-metadata.yaml");
    writeFileSync(file, `config:\n  cas_required: true\n${readFileSync(file, "utf8")}`);
    expect(await writeMetadata(r.ctx, r.mount, "app", { cas_required: false }, actor())).toEqual({ warnings: [CAS_MANDATED_WARNING] });
  });

  it("custom_metadata limits with Vault's messages (path_metadata.go validateCustomMetadata), 400, nothing written", async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    expect(customMetadataErrors(tooMany)).toBe("1 error occurred:\n\t* custom_metadata validation failed: payload must contain at most 64 keys, provided 65\n\n");
    expect(customMetadataErrors({ ["k".repeat(129)]: "v" })).toBe(
      `1 error occurred:\n\t* custom_metadata validation failed: length of key "${"k".repeat(129)}" is 129 but must be 0 < len(key) <= 128\n\n`,
    );
    expect(customMetadataErrors({ k: "é".repeat(257) })).toBe('1 error occurred:\n\t* custom_metadata validation failed: length of value for key "k" is 514 but must be 0 < len(value) <= 512\n\n');
    expect(customMetadataErrors({ k: "" })).toContain('length of value for key "k" is 0');
    expect(customMetadataErrors({ k: "a\u0007" })).toBe('1 error occurred:\n\t* custom_metadata validation failed: value for key "k" contains unprintable characters\n\n');
    expect(customMetadataErrors({ ["k".repeat(64)]: "v", ok: "v".repeat(512) })).toBeNull();
    const e = await rejectionOf(writeMetadata(r.ctx, r.mount, "app", { custom_metadata: tooMany }, actor()));
    expect(e.httpStatus).toBe(400);
    expect((await rejectionOf(writeMetadata(r.ctx, r.mount, "app", { max_versions: -1 }, actor()))).httpStatus).toBe(400);
    expect((await rejectionOf(writeMetadata(r.ctx, r.mount, "app", { delete_version_after: "1h" }, actor()))).message).toContain("not supported");
    expect(r.git(["log", "--format=%s"])).toBe("init");
    // 0 is accepted, and like any field given it creates the key's metadata (pathMetadataWrite).
    await writeMetadata(r.ctx, r.mount, "app", { delete_version_after: "0s" }, actor());
    expect(r.git(["log", "--format=%s"])).toBe("write metadata of secret/app\ninit");
  });
});

describe("deleteMetadata", () => {
  it("one commit removing the file and replacing its record with a history marker: the key is gone, and starts again at version 1", async () => {
    await three();
    await writeMetadata(r.ctx, r.mount, "app", { custom_metadata: { owner: "a" } }, actor());
    await writeMetadata(r.ctx, r.mount, "other", { cas_required: true }, actor());
    const before = r.git(["rev-parse", "HEAD"]);
    await deleteMetadata(r.ctx, r.mount, "app", actor("token-admin"));
    expect(r.git(["show", "--name-status", "--format=%an|%s", "HEAD"])).toBe("token-admin|delete secret/app and all its versions\n\nM\tsecrets/.kv-metadata.yaml\nD\tsecrets/app.yaml");
    const meta = readFileSync(join(r.top, "secrets/.kv-metadata.yaml"), "utf8");
    expect(meta).toContain(`app.yaml:\n    versions_after: ${before}\n`);
    expect(meta).not.toContain("owner");
    expect(meta).toContain("other.yaml");
    expect(await r.history()).toMatchObject({ currentVersion: 0, versions: [] });
    expect(await r.read()).toBeNull();
    // Vault's next write of a deleted key is version 1, and a create-only write (cas 0) is allowed.
    const info = await writeSecret(r.ctx, r.mount, "app", { v: "again" }, { ...actor(), options: { cas: 0 } });
    expect(info.version).toBe(1);
    expect((await r.history()).versions.map((v) => v.createdBy.operation)).toEqual(["create"]);
    expect((await r.read())?.body.data).toEqual({ v: "again" });
    // The marker is kept by later edits of the record, and a second delete moves it on.
    await writeMetadata(r.ctx, r.mount, "app", { max_versions: 4 }, actor());
    expect((await r.history()).currentVersion).toBe(1);
    await deleteMetadata(r.ctx, r.mount, "app", actor());
    expect((await r.history()).currentVersion).toBe(0);
    expect((await writeSecret(r.ctx, r.mount, "app", { v: "third life" }, actor())).version).toBe(1);
  });

  it("a marker naming a commit the repository does not have is ignored", async () => {
    await three();
    writeFileSync(join(r.top, "secrets/.kv-metadata.yaml"), `secrets:\n  app.yaml:\n    versions_after: ${"f".repeat(40)}\n`);
    expect((await r.history()).currentVersion).toBe(3);
  });
});

describe("mergePatch (RFC 7396 Appendix A examples)", () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)("%j + %j", (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});
