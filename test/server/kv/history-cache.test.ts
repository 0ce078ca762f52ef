import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileHistory } from "../../../src/git/history.js";
import { CommitQueue } from "../../../src/server/kv/commit-queue.js";
import { KvHistoryCache } from "../../../src/server/kv/history-cache.js";

/**
 * The history cache (src/server/kv/history-cache.ts) must answer exactly what a fresh `git log`
 * answers at HEAD as it is now, whoever moved HEAD, while walking as little as it can.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const IDENTITY = { GIT_AUTHOR_NAME: "op", GIT_AUTHOR_EMAIL: "op@x", GIT_COMMITTER_NAME: "op", GIT_COMMITTER_EMAIL: "op@x" };

function repo() {
  const top = mkdtempSync(join(tmpdir(), "kv-history-"));
  dirs.push(top);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: top, env: { ...process.env, ...IDENTITY }, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  const commit = (file: string, text: string, message = `${file}: ${text}`) => {
    writeFileSync(join(top, file), text);
    git("add", "--", file);
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD");
  };
  return { top, git, commit };
}

/** What a fresh walk says now, in the cache's order (oldest first). */
const fresh = async (top: string, file: string) => (await fileHistory({ top }, [file])).filter((c) => c.path === file).reverse();

describe("KvHistoryCache", () => {
  it("answers a second ask at the same HEAD from memory, the same as a fresh walk", async () => {
    const r = repo();
    r.commit("a.txt", "1");
    r.commit("a.txt", "2");
    const cache = new KvHistoryCache({ top: r.top });
    const first = await cache.changes("a.txt");
    expect(first.map((c) => c.after)).toHaveLength(2);
    expect(first).toEqual(await fresh(r.top, "a.txt"));
    await cache.settled();
    const walks = cache.walks;
    expect(await cache.changes("a.txt")).toBe(first);
    expect(cache.walks).toBe(walks);
  });

  it("sees at once what anyone else does to HEAD: a commit, a pull, a reset, another branch", async () => {
    const r = repo();
    const c1 = r.commit("a.txt", "1");
    const cache = new KvHistoryCache({ top: r.top });
    expect(await cache.changes("a.txt")).toHaveLength(1);
    r.commit("a.txt", "2");
    expect(await cache.changes("a.txt")).toEqual(await fresh(r.top, "a.txt"));
    expect(await cache.changes("a.txt")).toHaveLength(2);

    // A pull (fast-forward) of two commits made in a clone.
    const clone = mkdtempSync(join(tmpdir(), "kv-history-clone-"));
    dirs.push(clone);
    execFileSync("git", ["clone", "-q", r.top, clone]);
    const inClone = (...args: string[]) => execFileSync("git", args, { cwd: clone, env: { ...process.env, ...IDENTITY }, encoding: "utf8" });
    writeFileSync(join(clone, "a.txt"), "3");
    inClone("commit", "-q", "-am", "3");
    writeFileSync(join(clone, "b.txt"), "b");
    inClone("add", "b.txt");
    inClone("commit", "-q", "-m", "b");
    r.git("pull", "-q", "--ff-only", clone, "main");
    expect(await cache.changes("a.txt")).toEqual(await fresh(r.top, "a.txt"));
    expect(await cache.changes("a.txt")).toHaveLength(3);
    expect(await cache.changes("b.txt")).toHaveLength(1);

    r.git("reset", "-q", "--hard", c1);
    expect(await cache.changes("a.txt")).toHaveLength(1);
    expect(await cache.changes("b.txt")).toEqual([]);

    // A merge: the walk is git's own, with its history simplification.
    r.git("checkout", "-q", "-b", "side");
    r.commit("a.txt", "side");
    r.git("checkout", "-q", "main");
    r.commit("c.txt", "c");
    r.git("merge", "-q", "--no-edit", "side");
    expect(await cache.changes("a.txt")).toEqual(await fresh(r.top, "a.txt"));
    expect(await cache.changes("c.txt")).toEqual(await fresh(r.top, "c.txt"));
  });

  it("carries every entry over the server's own commits without a walk, touched files extended by their change", async () => {
    const r = repo();
    r.commit("a.txt", "1");
    r.commit("b.txt", "1");
    const cache = new KvHistoryCache({ top: r.top });
    const queue = new CommitQueue(r.top, { committer: { name: "server", email: "s@x" }, onCommit: (made) => cache.committing(made) });
    for (const f of ["a.txt", "b.txt", "new.txt"]) await cache.changes(f);
    await cache.settled();
    const walks = cache.walks;

    writeFileSync(join(r.top, "a.txt"), "2");
    writeFileSync(join(r.top, "new.txt"), "n");
    const author = { name: "token-ci", email: "token-ci@secrets-serve" };
    await Promise.all([
      queue.commit({ paths: ["a.txt"], message: "write a", author, date: new Date() }),
      queue.commit({ paths: ["new.txt"], message: "write new", author, date: new Date() }),
    ]);
    for (const f of ["a.txt", "b.txt", "new.txt"]) expect(await cache.changes(f)).toEqual(await fresh(r.top, f));
    expect((await cache.changes("a.txt")).map((c) => c.commit.author)).toEqual(["op", "token-ci"]);
    expect(await cache.changes("new.txt")).toHaveLength(1);
    expect(cache.walks).toBe(walks);
  });

  it("answers paths no commit ever changed from one walk of the whole history, not one walk each", async () => {
    const r = repo();
    r.commit("a.txt", "1");
    const cache = new KvHistoryCache({ top: r.top });
    expect(await cache.changes("a.txt")).toHaveLength(1);
    await cache.settled();
    const walks = cache.walks;
    for (let i = 0; i < 5; i++) expect(await cache.changes(`never-${i}.txt`)).toEqual([]);
    expect(cache.walks).toBe(walks);

    // Removed from the work tree, still in history: walked, and it has its versions.
    r.git("rm", "-q", "a.txt");
    r.git("commit", "-q", "-m", "rm a");
    expect(await cache.changes("a.txt")).toEqual(await fresh(r.top, "a.txt"));
    expect(await cache.changes("a.txt")).toHaveLength(2);
  });
});
