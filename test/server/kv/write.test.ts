import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecretsError } from "../../../src/errors.js";
import { SecretRepository } from "../../../src/secrets/repository.js";
import { fromPlain } from "../../../src/sops/tree.js";
import { CAS_MISMATCH, CAS_REQUIRED } from "../../../src/server/kv/cas.js";
import { KvVersionInfoSchema } from "../../../src/server/kv/responses.js";
import { deleteLatest, NO_DATA, patchSecret, writeSecret } from "../../../src/server/kv/write.js";
import { writeMetadata } from "../../../src/server/kv/metadata-write.js";
import { actor, kvRepo, type KvRepo } from "./write-helpers.js";
import { rejectionOf } from "../../helpers/errors.js";

// Expectations from vault-plugin-secrets-kv path_data.go (pathDataWrite, pathDataPatch,
// pathDataDelete, validateCheckAndSetOption) and Vault's KV v2 API docs ("Create/Update Secret":
// the response data is created_time, custom_metadata, deletion_time, destroyed, version).

let r: KvRepo;
beforeEach(async () => {
  r = await kvRepo();
});
afterEach(() => r.cleanup());


describe("writeSecret", () => {
  it("write → version 1, write → version 2; one commit each, by the token, naming the path and no value", async () => {
    const v1 = await writeSecret(r.ctx, r.mount, "app", { password: "s3cr3t-one", user: "app" }, actor());
    KvVersionInfoSchema.parse(v1);
    expect(v1).toMatchObject({ version: 1, deletion_time: "", destroyed: false, custom_metadata: null });
    expect(v1.created_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const v2 = await writeSecret(r.ctx, r.mount, "app", { password: "s3cr3t-two" }, actor("token-other"));
    expect(v2.version).toBe(2);

    const h = await r.history();
    expect(h.currentVersion).toBe(2);
    expect(h.versions.map((v) => [v.version, v.createdTime, v.createdBy])).toEqual([
      [1, v1.created_time, { actor: "token-ci", operation: "create" }],
      [2, v2.created_time, { actor: "token-other", operation: "update" }],
    ]);
    // The whole map is replaced: `user` is gone in version 2 (Vault's write semantics).
    expect((await r.read(1))?.body.data).toEqual({ password: "s3cr3t-one", user: "app" });
    expect((await r.read(2))?.body.data).toEqual({ password: "s3cr3t-two" });

    const log = r.git(["log", "--format=%an <%ae>|%cn <%ce>|%s", "--", "secrets/app.yaml"]).split("\n");
    expect(log).toEqual([
      "token-other <token-other@secrets-serve>|secrets-serve <server@secrets-serve>|write secret/app (version 2)",
      "token-ci <token-ci@secrets-serve>|secrets-serve <server@secrets-serve>|write secret/app (version 1)",
    ]);
    // Each commit holds exactly the secret's file; no value anywhere in the patch text.
    expect(r.git(["show", "--name-only", "--format=", "HEAD"])).toBe("secrets/app.yaml");
    const patch = r.git(["log", "-p", "--format=%an%n%ae%n%B"]);
    expect(patch).not.toContain("s3cr3t");
    expect(r.git(["status", "--porcelain"])).toBe("");
  });

  it("keeps the ciphertext of unchanged values (minimal diff, as secrets set)", async () => {
    await writeSecret(r.ctx, r.mount, "app", { keep: "same-value", change: "old" }, actor());
    const before = readFileSync(join(r.top, "secrets/app.yaml"), "utf8");
    await writeSecret(r.ctx, r.mount, "app", { keep: "same-value", change: "new" }, actor());
    const after = readFileSync(join(r.top, "secrets/app.yaml"), "utf8");
    const line = (t: string, k: string) => t.split("\n").find((l) => l.startsWith(`${k}:`));
    expect(line(after, "keep")).toBe(line(before, "keep"));
    expect(line(after, "change")).not.toBe(line(before, "change"));
  });

  it("writes nested paths into folders, nested values, and an empty map", async () => {
    await writeSecret(r.ctx, r.mount, "team/db", { n: 5, nested: { a: [1, "x"] }, empty: "" }, actor());
    expect((await r.read(0, "secrets/team/db.yaml"))?.body.data).toEqual({ n: 5, nested: { a: [1, "x"] }, empty: "" });
    await writeSecret(r.ctx, r.mount, "team/db", {}, actor());
    expect((await r.read(0, "secrets/team/db.yaml"))?.body.data).toEqual({});
  });

  it("a value the file's rule leaves in clear: refused when the write sets it, kept when the write leaves it as it was", async () => {
    // The SDK's metadata sibling (`password_metadata_unencrypted`), set through the library as the
    // SDK does, then committed.
    const local = new SecretRepository({ root: join(r.top, "secrets"), keys: await r.ctx.workspace.keys(), policy: r.ctx.workspace });
    await local.write("app/password", fromPlain("s3cr3t-pw"), { owner: "team-db" });
    r.git(["add", "-A"]);
    r.git(["commit", "-q", "-m", "sdk metadata"]);
    const data = (await r.read())?.body.data ?? {};
    expect(data).toEqual({ password: "s3cr3t-pw", password_metadata_unencrypted: { owner: "team-db" } });

    const written = await writeSecret(r.ctx, r.mount, "app", { ...data, password: "s3cr3t-new" }, actor());
    expect(written.version).toBe(2);
    const p = await patchSecret(r.ctx, r.mount, "app", { other: "s3cr3t-other" }, actor());
    expect(p.status).toBe(200);
    expect(await local.readEntry("app/password")).toEqual({ value: "s3cr3t-new", metadata: { owner: "team-db" } });
    const text = readFileSync(join(r.top, "secrets/app.yaml"), "utf8");
    expect(text).toMatch(/password_metadata_unencrypted:\n\s+owner: team-db\n/);
    expect(text).not.toContain("s3cr3t");

    for (const changed of [{ ...data, note_unencrypted: "new note" }, { ...data, password_metadata_unencrypted: { owner: "someone-else" } }]) {
      const e = await rejectionOf(writeSecret(r.ctx, r.mount, "app", changed, actor()));
      expect(e.message).toContain("refusing to write a secret unencrypted");
    }
    expect((await r.history()).currentVersion).toBe(3);
  });

  it("refuses a write without data: `no data provided` (400)", async () => {
    const e = await rejectionOf(writeSecret(r.ctx, r.mount, "app", undefined, actor()));
    expect([e.message, e.httpStatus]).toEqual([NO_DATA, 400]);
  });
});

describe("check-and-set (validateCheckAndSetOption)", () => {
  it("truth table: absent / 0 / current / stale, with and without cas_required", async () => {
    const w = (options?: Record<string, unknown>) => writeSecret(r.ctx, r.mount, "app", { a: "1" }, { ...actor(), options });
    // No version yet: cas 1 mismatches, cas 0 creates.
    expect((await rejectionOf(w({ cas: 1 }))).message).toBe(CAS_MISMATCH);
    expect((await w({ cas: 0 })).version).toBe(1);
    // cas 0 is create-only: the key exists now.
    const e = await rejectionOf(w({ cas: 0 }));
    expect([e.message, e.httpStatus, e.kind]).toEqual([CAS_MISMATCH, 400, "usage"]);
    expect((await w({ cas: 1 })).version).toBe(2);
    expect((await rejectionOf(w({ cas: 1 }))).message).toBe(CAS_MISMATCH);
    expect((await w()).version).toBe(3); // absent: allowed
    await writeMetadata(r.ctx, r.mount, "app", { cas_required: true }, actor());
    expect((await rejectionOf(w())).message).toBe(CAS_REQUIRED);
    expect((await rejectionOf(w({}))).message).toBe(CAS_REQUIRED);
    expect((await w({ cas: 3 })).version).toBe(4);
    expect((await r.history()).currentVersion).toBe(4);
  });

  it("20 concurrent writers with the same cas: exactly one wins, the others get the mismatch", async () => {
    await writeSecret(r.ctx, r.mount, "app", { a: "0" }, actor());
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => writeSecret(r.ctx, r.mount, "app", { a: String(i) }, { ...actor(`w${i}`), options: { cas: 1 } })));
    const won = results.filter((x) => x.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<{ version: number }>).value.version).toBe(2);
    for (const x of results.filter((y) => y.status === "rejected")) expect((x as PromiseRejectedResult).reason.message).toBe(CAS_MISMATCH);
    expect((await r.history()).currentVersion).toBe(2);
    expect(r.git(["status", "--porcelain"])).toBe("");
  }, 60_000);
});

describe("patchSecret (RFC 7396 onto the current data)", () => {
  it("404 without body for a key that does not exist; merges; null removes; nested objects merge", async () => {
    expect(await patchSecret(r.ctx, r.mount, "app", { a: "1" }, actor())).toEqual({ status: 404, body: null });
    await writeSecret(r.ctx, r.mount, "app", { a: "1", b: "2", obj: { x: "1", y: "2" } }, actor());
    const p = await patchSecret(r.ctx, r.mount, "app", { b: null, c: "3", obj: { y: null, z: "9" } }, actor());
    expect(p.status).toBe(200);
    expect(p.body?.version).toBe(2);
    expect((await r.read())?.body.data).toEqual({ a: "1", c: "3", obj: { x: "1", z: "9" } });
    expect((await rejectionOf(patchSecret(r.ctx, r.mount, "app", { a: "x" }, { ...actor(), options: { cas: 1 } }))).message).toBe(CAS_MISMATCH);
    expect((await rejectionOf(patchSecret(r.ctx, r.mount, "app", null, actor()))).message).toBe(NO_DATA);
  });

  it("a deleted current version answers 404 with its metadata", async () => {
    await writeSecret(r.ctx, r.mount, "app", { a: "1" }, actor());
    await deleteLatest(r.ctx, r.mount, "app", actor());
    const p = await patchSecret(r.ctx, r.mount, "app", { a: "2" }, actor());
    expect(p.status).toBe(404);
    expect(p.body).toMatchObject({ version: 1, destroyed: false });
    expect(p.body?.deletion_time).not.toBe("");
  });
});

describe("a crash between the file write and its commit", () => {
  it("leaves the change unserved; the next write of the file replaces it in its own commit", async () => {
    await writeSecret(r.ctx, r.mount, "app", { a: "1" }, actor());
    // The injected hook stands for the process dying after the file was written.
    const crashed = { ...r.ctx, beforeCommit: async () => { throw new Error("killed"); } };
    await expect(writeSecret(crashed, r.mount, "app", { a: "lost" }, actor())).rejects.toThrow("killed");
    expect(r.git(["status", "--porcelain"])).toBe("M secrets/app.yaml");
    expect((await r.history()).currentVersion).toBe(1);
    expect((await r.read())?.body.data).toEqual({ a: "1" });
    // The unacknowledged write was never a version: cas 1 is still current.
    const v = await writeSecret(r.ctx, r.mount, "app", { a: "2" }, { ...actor(), options: { cas: 1 } });
    expect(v.version).toBe(2);
    expect(r.git(["status", "--porcelain"])).toBe("");
    expect((await r.read())?.body.data).toEqual({ a: "2" });
  });

  it("a crash while creating a new file, then a write: version 1", async () => {
    const crashed = { ...r.ctx, beforeCommit: async () => { throw new Error("killed"); } };
    await expect(writeSecret(crashed, r.mount, "new", { a: "lost" }, actor())).rejects.toThrow("killed");
    expect((await r.history("secrets/new.yaml")).currentVersion).toBe(0);
    expect((await writeSecret(r.ctx, r.mount, "new", { a: "1" }, { ...actor(), options: { cas: 0 } })).version).toBe(1);
    expect(r.git(["status", "--porcelain"])).toBe("");
  });

  it("a failed commit puts the file back as it was", async () => {
    await writeSecret(r.ctx, r.mount, "app", { a: "1" }, actor());
    const before = readFileSync(join(r.top, "secrets/app.yaml"));
    // A pre-commit hook that refuses: git commit fails after the file was written.
    writeFileSync(join(r.top, ".git/hooks/pre-commit"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    await expect(writeSecret(r.ctx, r.mount, "app", { a: "2" }, actor())).rejects.toThrow(SecretsError);
    expect(readFileSync(join(r.top, "secrets/app.yaml")).equals(before)).toBe(true);
    expect(r.git(["status", "--porcelain"])).toBe("");
  });
});
