import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitConfig } from "../../src/server/config/commit-config.js";
import { authorFor } from "../../src/server/kv/commit-queue.js";
import { kvRepo, type KvRepo } from "./kv/write-helpers.js";

let repo: KvRepo | undefined;
afterEach(() => repo?.cleanup());

describe("commitConfig: configuration written through the API is one commit", () => {
  it("writes, commits as the token's author with the message, and removes", async () => {
    repo = await kvRepo();
    const r = repo;
    const policy = ".secrets/policies/ci.hcl";
    const { commit } = await commitConfig(r.ctx, [policy], () => [{ path: policy, text: 'path "secret/*" { capabilities = ["read"] }\n' }], "sys/policy/ci: write", authorFor("root"));
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.git(["log", "-1", "--format=%an|%s", "--name-only"])).toBe(`root|sys/policy/ci: write\n\n${policy}`);
    expect(r.git(["status", "--porcelain"])).toBe("");
    const again = await commitConfig(r.ctx, [policy], () => [{ path: policy, text: readFileSync(join(r.top, policy), "utf8") }], "unchanged", authorFor("root"));
    expect(again.commit).toBeNull();
    await commitConfig(r.ctx, [policy], () => [{ path: policy, text: null }], "sys/policy/ci: delete", authorFor("root"));
    expect(existsSync(join(r.top, policy))).toBe(false);
    expect(r.git(["log", "-1", "--format=%s", "--name-status"])).toBe(`sys/policy/ci: delete\n\nD\t${policy}`);
  });

  it("serialises read-modify-writes of one file: no lost update", async () => {
    repo = await kvRepo();
    const r = repo;
    const file = ".secrets/list.txt";
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        commitConfig(r.ctx, [file], (cur) => [{ path: file, text: `${cur.get(file) ?? ""}${i}\n` }], `add ${i}`, authorFor("root")),
      ),
    );
    expect(readFileSync(join(r.top, file), "utf8").trim().split("\n").sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(Number(r.git(["rev-list", "--count", "HEAD", "--", file]))).toBe(8);
  });

  it("puts the file back when the commit fails, and refuses a path outside the repository", async () => {
    repo = await kvRepo({ beforeCommit: () => Promise.reject(new Error("died")) });
    const r = repo;
    const file = ".secrets/x.txt";
    await expect(commitConfig(r.ctx, [file], () => [{ path: file, text: "new\n" }], "m", authorFor("root"))).rejects.toThrow("died");
    // beforeCommit stands for a kill: the file stays as written; a failing git commit restores it (commitChanges).
    await expect(commitConfig(r.ctx, ["../outside.txt"], () => [], "m", authorFor("root"))).rejects.toMatchObject({ kind: "outside-root" });
    await expect(commitConfig(r.ctx, [file], () => [{ path: "other", text: "" }], "m", authorFor("root"))).rejects.toMatchObject({ kind: "generic" });
  });
});
