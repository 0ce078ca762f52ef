import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { upsertComment } from "../../action/src/github-comment.js";
import { installedAction, writeEncryptedFixture, type Fixture } from "./fixture.js";
import { startFakeGitHub, type FakeGitHub } from "./github-api.js";
import { inspectStage, parseCommand, prepareStep, readLines, runStageAsync, type Step } from "./runner-harness.js";

/**
 * `mode: policy-review` on a pull request: `policy diff` between the merge base and the head, in the
 * job summary, the access-changes output, and one PR comment through a local stand-in for the GitHub
 * REST API (GITHUB_API_URL points at it; nothing leaves 127.0.0.1).
 */

const ACTION = installedAction();
const TOKEN = "ghs_TestToken0123456789abcdefABCDEF";

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: cwd, GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@example.com", GIT_CONFIG_NOSYSTEM: "1" },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

interface Repo {
  step: Step;
  fx: Fixture;
  base: string;
  head: string;
}

/**
 * Base: the fixture (files encrypted to deploy and alice). Head: .sops.yaml drops alice and adds bob
 * (and a recipient whose anchor name would open an HTML comment), files not re-encrypted yet.
 */
function pullRequestRepo(inputs: Record<string, string>, headChange = true): Repo {
  const step = prepareStep({ actionDir: ACTION, eventName: "pull_request", inputs: { mode: "policy-review", ...inputs } });
  const ws = step.dirs.workspace;
  const fx = writeEncryptedFixture(ws);
  git(ws, "init", "-q", "-b", "main");
  git(ws, "add", "-A");
  git(ws, "commit", "-q", "-m", "base");
  const base = git(ws, "rev-parse", "HEAD");
  git(ws, "checkout", "-q", "-b", "feature");
  if (headChange) {
    const cfg = join(ws, ".sops.yaml");
    writeFileSync(
      cfg,
      readFileSync(cfg, "utf8")
        .replace(`  - &alice ${fx.otherRecipient}\n`, `  - &bob ${fx.strangerRecipient}\n  - &eve<!-- age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n`)
        .replace("          - *alice\n", "          - *bob\n          - *eve<!--\n"),
    );
  }
  git(ws, "commit", "-q", "--allow-empty", "-am", "head");
  const head = git(ws, "rev-parse", "HEAD");
  const eventPath = step.env.GITHUB_EVENT_PATH!;
  writeFileSync(eventPath, JSON.stringify({ action: "synchronize", number: 7, pull_request: { number: 7, base: { sha: base, ref: "main" }, head: { sha: head, ref: "feature" } } }));
  Object.assign(step.env, { GITHUB_BASE_REF: "main", GITHUB_HEAD_REF: "feature", GITHUB_REF: "refs/pull/7/merge" });
  return { step, fx, base, head };
}

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub();
});
afterEach(() => gh.close());

function printedLines(stdout: string): string[] {
  return readLines(stdout).filter((l) => parseCommand(l)?.name !== "add-mask");
}

describe("policy-review", () => {
  it("reports who gains and loses access per file, in the output and the summary; no comment without a token", async () => {
    const { step, fx, base, head } = pullRequestRepo({});
    step.env.GITHUB_API_URL = gh.url;
    const main = await runStageAsync(step);
    expect(main.status).toBe(0);
    expect(main.stderr).toBe("");
    const r = inspectStage(step, main, {});
    const out = JSON.parse(r.outputs.values["access-changes"]!);
    expect(out.base.commit).toBe(base);
    expect(out.head.commit).toBe(head);
    expect(out.policyChanged).toBe(true);
    const app = out.changes.filter((c: { file: string }) => c.file === "secrets/prod/app.yaml");
    expect(app).toEqual([
      { file: "secrets/prod/app.yaml", name: "alice", recipient: fx.otherRecipient, change: "lost", source: "policy" },
      { file: "secrets/prod/app.yaml", name: "bob", recipient: fx.strangerRecipient, change: "gained", source: "policy" },
      { file: "secrets/prod/app.yaml", name: "eve<!--", recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", change: "gained", source: "policy" },
    ]);
    expect(r.summary).toContain("| `secrets/prod/app.yaml` | bob | `" + fx.strangerRecipient.slice(0, 16) + "…" + fx.strangerRecipient.slice(-6) + "` | **gained** | policy only (files not re-encrypted yet) |");
    expect(r.summary).toContain("| `secrets/prod/app.yaml` | alice |");
    // A name that would open an HTML comment (and hide every row after it) is shown as a stand-in.
    expect(r.summary).toContain("| `secrets/prod/app.yaml` | (a name with unusual characters) |");
    expect(r.summary.replace(/^<!-- gitops-secrets:policy-review:[0-9a-f]{12} -->\n/, "")).not.toContain("<!--");
    expect(printedLines(main.stdout)).toEqual(["policy-review: 6 accesses gained, 3 lost; see the job summary."]);
    expect(gh.requests).toEqual([]);
  });

  it("creates one comment with the report through the REST API, sending the token only as a header", async () => {
    const { step } = pullRequestRepo({ "github-token": TOKEN });
    step.env.GITHUB_API_URL = gh.url;
    const main = await runStageAsync(step);
    expect(main.status).toBe(0);
    const r = inspectStage(step, main, { TOKEN });
    expect(r.leaks).toEqual([]);
    expect(r.missingMasks).toEqual([]);
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /repos/acme/app/issues/7/comments?per_page=100&page=1", "POST /repos/acme/app/issues/7/comments"]);
    for (const q of gh.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(q.headers.accept).toBe("application/vnd.github+json");
      expect(q.headers["x-github-api-version"]).toBe("2022-11-28");
    }
    const body = (gh.requests[1]!.body as { body: string }).body;
    expect(body + "\n").toBe(r.summary);
    expect(body).toMatch(/^<!-- gitops-secrets:policy-review:[0-9a-f]{12} -->\n### Secret access changes/);
    expect(printedLines(main.stdout)).toContain("policy-review: commented on pull request #7.");
  });

  it("updates its earlier comment (found on a later page) instead of adding one", async () => {
    const { step } = pullRequestRepo({ "github-token": TOKEN });
    step.env.GITHUB_API_URL = gh.url;
    // A first run creates the comment; then 150 other comments bury it on page 2.
    await runStageAsync(step);
    const mine = gh.comments[0]!;
    gh.comments.splice(0, gh.comments.length, ...Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i}` })), { id: mine.id, body: "<!-- stale -->" + mine.body });
    gh.requests.length = 0;
    const again = await runStageAsync(step);
    expect(again.status).toBe(0);
    expect(gh.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      "GET /repos/acme/app/issues/7/comments?per_page=100&page=1",
      "GET /repos/acme/app/issues/7/comments?per_page=100&page=2",
      `PATCH /repos/acme/app/issues/comments/${mine.id}`,
    ]);
    expect(gh.comments.find((c) => c.id === mine.id)!.body).toBe(mine.body);
    expect(printedLines(again.stdout)).toContain("policy-review: updated the comment on pull request #7.");
  });

  it("adds no comment when nothing changes; a token that may not write only warns", async () => {
    const quiet = pullRequestRepo({ "github-token": TOKEN }, false);
    quiet.step.env.GITHUB_API_URL = gh.url;
    const none = await runStageAsync(quiet.step);
    expect(none.status).toBe(0);
    expect(JSON.parse(inspectStage(quiet.step, none, {}).outputs.values["access-changes"]!).changes).toEqual([]);
    expect(gh.requests.map((q) => q.method)).toEqual(["GET"]);

    const denied = pullRequestRepo({ "github-token": TOKEN });
    denied.step.env.GITHUB_API_URL = gh.url;
    gh.failWrites = 403;
    const main = await runStageAsync(denied.step);
    expect(main.status).toBe(0);
    expect(main.stderr).toBe("");
    expect(printedLines(main.stdout)).toContain(
      "::warning::policy-review: could not write the pull-request comment (HTTP 403) (the token needs pull-requests: write; pull requests from forks get a read-only token)",
    );
    expect(inspectStage(denied.step, main, { TOKEN }).leaks).toEqual([]);
  });

  it("fails with one line when a commit is not in the checkout, or there is no pull request", async () => {
    const { step } = pullRequestRepo({ base: "0".repeat(40) });
    const main = await runStageAsync(step);
    expect(main.status).toBe(1);
    expect(printedLines(main.stdout)).toEqual(["::error::policy-review: the base or head commit is not in the checkout (use actions/checkout with fetch-depth: 0)"]);

    const push = prepareStep({ actionDir: ACTION, inputs: { mode: "policy-review" } });
    writeEncryptedFixture(push.dirs.workspace);
    const noPr = await runStageAsync(push);
    expect(noPr.status).toBe(1);
    expect(printedLines(noPr.stdout)).toEqual(["::error::policy-review needs a pull_request event, or the base and head inputs"]);
  });
});

describe("upsertComment (in process)", () => {
  const target = () => ({ apiUrl: gh.url + "/", repository: "acme/app", issueNumber: 3, token: TOKEN });

  it("leaves an identical comment alone, and reports an unreachable API as status 0", async () => {
    gh.comments.push({ id: 5, body: "<!-- m -->\nsame" });
    expect(await upsertComment(target(), "<!-- m -->", "<!-- m -->\nsame", true)).toBe("unchanged");
    expect(gh.requests.map((q) => q.method)).toEqual(["GET"]);
    await expect(upsertComment({ ...target(), apiUrl: "http://127.0.0.1:1" }, "<!-- m -->", "x", true)).rejects.toMatchObject({ status: 0 });
  });

  it("refuses a malformed repository or pull-request number before any request", async () => {
    await expect(upsertComment({ ...target(), repository: "acme/app/../../x" }, "m", "m", true)).rejects.toMatchObject({ status: 0 });
    await expect(upsertComment({ ...target(), issueNumber: 0 }, "m", "m", true)).rejects.toMatchObject({ status: 0 });
    expect(gh.requests).toEqual([]);
  });
});
