import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommitInfo, FileChange } from "../../../src/git/history.js";
import { launchHere, type GitLaunch } from "../../../src/git/exec.js";
import { CommitQueue, type CommitRequest } from "../../../src/server/kv/commit-queue.js";

/**
 * Group commit (src/server/kv/commit-queue.ts): the writes that arrive while a commit runs share
 * the next commit; each is acknowledged only once a commit holds it; one commit has one author and
 * one date; a group whose commit fails is committed again write by write.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo() {
  const top = mkdtempSync(join(tmpdir(), "kv-queue-"));
  dirs.push(top);
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: top, env: { ...process.env, GIT_AUTHOR_NAME: "op", GIT_AUTHOR_EMAIL: "op@x", GIT_COMMITTER_NAME: "op", GIT_COMMITTER_EMAIL: "op@x" }, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  writeFileSync(join(top, "README"), "r\n");
  git("add", "README");
  git("commit", "-q", "-m", "init");
  const told: Array<{ commit: CommitInfo; changes: readonly FileChange[] }> = [];
  const queue = new CommitQueue(top, { committer: { name: "secrets-serve", email: "server@secrets-serve" }, onCommit: (made) => void made.then((m) => m && told.push(m)) });
  return { top, git, queue, told };
}

const ci = { name: "token-ci", email: "token-ci@secrets-serve" };
const DATE = new Date("2024-05-01T10:00:00Z");
const write = (top: string, file: string, author = ci, date = DATE, text = `${file}\n`): CommitRequest => {
  writeFileSync(join(top, file), text);
  return { paths: [file], message: `write secret/${file}`, author, date };
};

describe("CommitQueue: group commit", () => {
  it("commits the writes that arrived while a commit ran in one next commit, naming every write; each is acknowledged by a commit that holds it", async () => {
    const r = repo();
    const first = r.queue.commit(write(r.top, "w0"));
    // Let the first commit start alone, then nine more arrive while it runs.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rest = Array.from({ length: 9 }, (_, i) => r.queue.commit(write(r.top, `w${i + 1}`)));
    const ids = await Promise.all([first, ...rest]);

    expect(r.queue.commits).toBe(2);
    expect(new Set(ids).size).toBe(2);
    for (const [i, id] of ids.entries()) expect(r.git("show", "--name-only", "--format=", id).split("\n")).toContain(`w${i}`);
    expect(r.git("rev-list", "--count", "HEAD")).toBe("3");
    const group = r.git("log", "-1", "--format=%B", ids[1]!);
    expect(group.split("\n")).toEqual(["write secret/w1 and 8 more", "", ...Array.from({ length: 9 }, (_, i) => `write secret/w${i + 1}`)]);
    expect(r.git("log", "-1", "--format=%an <%ae>|%cn|%aI", ids[1]!)).toBe("token-ci <token-ci@secrets-serve>|secrets-serve|2024-05-01T10:00:00+00:00");
    // The history cache was told of each commit, with git's own account of what it holds.
    await r.queue.settled();
    expect(r.told.map((t) => t.changes.map((c) => c.path).sort())).toEqual([["w0"], ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"]]);
    expect(r.told[1]!.commit.id).toBe(ids[1]);
    expect(r.git("status", "--porcelain")).toBe("");
  });

  it("waits a little for as many writes as the last commit held: writers in step share one commit a round, not two", async () => {
    const r = repo();
    const writers = 8;
    const rounds = 4;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let round = 0; round < rounds; round++) {
          await r.queue.commit(write(r.top, `w${w}`, ci, DATE, `round ${round}\n`));
          // What a writer does before its next write (read the file, encrypt): a few milliseconds.
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
      }),
    );
    // Without the wait, the first writer back would commit alone each round: 1 + 2 × 3 commits.
    expect(r.queue.commits).toBeLessThanOrEqual(rounds + 1);
  });

  it("commits a file said to be tracked that git does not know yet: added first after all", async () => {
    const r = repo();
    await r.queue.commit({ ...write(r.top, "new"), tracked: true });
    expect(r.git("show", "--name-only", "--format=", "HEAD")).toBe("new");
  });

  it("keeps one author and one second per commit: others wait for the next", async () => {
    const r = repo();
    const ops = { name: "token-ops", email: "token-ops@secrets-serve" };
    const ids = await Promise.all([
      r.queue.commit(write(r.top, "a")),
      r.queue.commit(write(r.top, "b", ops)),
      r.queue.commit(write(r.top, "c")),
      r.queue.commit(write(r.top, "d", ci, new Date(DATE.getTime() + 1000))),
    ]);
    expect(ids[0]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(3);
    expect(r.git("log", "-1", "--format=%an", ids[1]!)).toBe("token-ops");
    expect(r.git("log", "-1", "--format=%an|%aI", ids[3]!)).toBe("token-ci|2024-05-01T10:00:01+00:00");
  });

  it("commits a failing group again write by write: only the write git refuses fails", async () => {
    const r = repo();
    // A pre-commit hook that refuses any commit holding `bad`.
    const hook = join(r.top, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\ngit diff --cached --name-only | grep -qx bad && { echo refused >&2; exit 1; }\nexit 0\n");
    chmodSync(hook, 0o755);
    const results = await Promise.allSettled(["good1", "bad", "good2"].map((f) => r.queue.commit(write(r.top, f))));
    expect(results.map((x) => x.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const committed = r.git("log", "--format=", "--name-only").split("\n").filter(Boolean);
    expect(committed).toEqual(expect.arrayContaining(["good1", "good2"]));
    expect(committed).not.toContain("bad");
    // Nothing of the refused write is left staged.
    expect(r.git("diff", "--cached", "--name-only")).toBe("");
  });
});

describe("CommitQueue: git's automatic maintenance", () => {
  it("commits without git's own auto maintenance process, and runs `git maintenance run --auto` itself every N commits, after acknowledging", async () => {
    const r = repo();
    const launched: string[][] = [];
    const via = { launch: (run: GitLaunch) => (launched.push([...run.args]), launchHere(run)) };
    const queue = new CommitQueue(r.top, { committer: { name: "secrets-serve", email: "server@secrets-serve" }, via, maintenanceEvery: 2 });
    for (let i = 0; i < 4; i++) await queue.commit(write(r.top, `m${i}`));
    await queue.settled();
    const commits = launched.filter((a) => a.includes("commit"));
    expect(commits).toHaveLength(4);
    for (const args of commits) expect(args.join(" ")).toContain("-c maintenance.auto=false");
    expect(launched.filter((a) => a[0] === "maintenance").map((a) => a.join(" "))).toEqual(["maintenance run --auto --quiet", "maintenance run --auto --quiet"]);
    expect(r.git("rev-list", "--count", "HEAD")).toBe("5");
  });
});
