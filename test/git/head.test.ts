import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HeadReader } from "../../src/git/head.js";

/**
 * HeadReader reads HEAD from git's files (no process); what it answers must always be what
 * `git rev-parse HEAD` answers, whatever git did to the files in between.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo() {
  const top = mkdtempSync(join(tmpdir(), "head-"));
  dirs.push(top);
  const env = { ...process.env, GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@x", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@x" };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: top, env, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  let n = 0;
  const commit = () => {
    writeFileSync(join(top, "f.txt"), `${n++}\n`);
    git("add", "f.txt");
    git("commit", "-q", "-m", `c${n}`);
    return git("rev-parse", "HEAD");
  };
  return { top, git, commit };
}

describe("HeadReader", () => {
  it("follows every way git moves HEAD: commits, packed refs, branches, detached HEAD, reset, an unborn branch", async () => {
    const r = repo();
    const head = new HeadReader({ top: r.top });
    expect(await head.commit()).toBeNull(); // `git init`: no commit yet
    const c1 = r.commit();
    expect(await head.commit()).toBe(c1);
    const c2 = r.commit();
    expect(await head.commit()).toBe(c2);
    // Packed: the loose ref is gone, packed-refs holds it.
    r.git("pack-refs", "--all");
    expect(await head.commit()).toBe(c2);
    const c3 = r.commit(); // a loose ref again, newer than the packed one
    expect(await head.commit()).toBe(c3);
    r.git("pack-refs", "--all");
    r.git("reset", "-q", "--hard", c1); // a loose ref beside an older packed one
    expect(await head.commit()).toBe(c1);
    r.git("checkout", "-q", "--detach", c2);
    expect(await head.commit()).toBe(c2);
    r.git("checkout", "-q", "-b", "other");
    const c4 = r.commit();
    expect(await head.commit()).toBe(c4);
    r.git("checkout", "-q", "--orphan", "empty");
    expect(await head.commit()).toBeNull();
    r.git("checkout", "-q", "-f", "main");
    expect(await head.commit()).toBe(r.git("rev-parse", "HEAD"));
  });

  it("runs no git process once it knows where the git directory is", async () => {
    const r = repo();
    const c1 = r.commit();
    const head = new HeadReader({ top: r.top });
    expect(await head.commit()).toBe(c1);
    const c2 = r.commit();
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(await head.commit()).toBe(c2);
    } finally {
      process.env.PATH = path;
    }
  });

  it("reads a new commit's parents, author and message from its loose object; a packed one is not read", async () => {
    const r = repo();
    const c1 = r.commit();
    const c2 = r.commit();
    const head = new HeadReader({ top: r.top });
    expect(await head.looseCommit(c2)).toEqual({ parents: [c1], author: "a", email: "a@x", message: "c2\n" });
    expect((await head.looseCommit(c1))?.parents).toEqual([]);
    r.git("gc", "-q");
    expect(await head.looseCommit(c2)).toBeUndefined();
  });

  it("reads a linked work tree's own HEAD, with the branches of the main repository", async () => {
    const r = repo();
    const c1 = r.commit();
    r.git("branch", "side");
    const wt = join(r.top, "..", `${r.top.split("/").pop()!}-wt`);
    dirs.push(wt);
    r.git("worktree", "add", "-q", wt, "side");
    const main = new HeadReader({ top: r.top });
    const linked = new HeadReader({ top: wt });
    expect(await linked.commit()).toBe(c1);
    const c2 = r.commit();
    expect(await main.commit()).toBe(c2);
    expect(await linked.commit()).toBe(c1);
    writeFileSync(join(wt, "g.txt"), "x\n");
    execFileSync("git", ["add", "g.txt"], { cwd: wt });
    execFileSync("git", ["-c", "user.name=a", "-c", "user.email=a@x", "commit", "-q", "-m", "side"], { cwd: wt });
    expect(await linked.commit()).toBe(execFileSync("git", ["rev-parse", "HEAD"], { cwd: wt, encoding: "utf8" }).trim());
    expect(await main.commit()).toBe(c2);
  });
});
