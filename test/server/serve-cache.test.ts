import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * What the server's caches and group commit must never change (dist/cli.js serve): a commit
 * pulled into the checkout is served by the very next request; concurrent writes share commits,
 * yet every acknowledged write is in a commit whose message names it; and a server killed with
 * SIGKILL in the middle of a stream of writes leaves every acknowledged write committed and every
 * file whole (old or new, never torn).
 */

let sb: Sandbox;
let served: Served;
let token: string;

beforeAll(async () => {
  sb = await buildFixture();
  served = await startServe(sb);
  token = served.rootToken!;
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const auth = () => ({ "X-Vault-Token": token });
const read = async (path: string, url = served.url) => {
  const r = await raw("GET", `${url}/v1/secret/data/${path}`, auth());
  return { status: r.status, body: r.status === 200 ? (JSON.parse(r.body) as { data: { data: Record<string, unknown>; metadata: { version: number } } }).data : null };
};
const write = (path: string, data: Record<string, unknown>, url = served.url) =>
  raw("POST", `${url}/v1/secret/data/${path}`, { ...auth(), "Content-Type": "application/json" }, JSON.stringify({ data }));

describe("the caches follow the checkout", () => {
  it("serves a commit pulled into the checkout at the next request, and a reset back at the one after", async () => {
    const before = await read("app");
    expect(before.body?.data.password).toBe(VALUES[1]);
    expect(before.body?.metadata.version).toBe(2);
    const head = sb.git("rev-parse", "HEAD").trim();

    // Someone else's commit, made in a clone and pulled (fast-forward), as `git pull` would.
    const clone = join(sb.dir, "clone");
    execFileSync("git", ["clone", "-q", sb.repo, clone], { env: sb.env });
    await sb.ok(["set", "secrets/app.yaml", "password", JSON.stringify("pulled-value-zeta")], { cwd: clone });
    execFileSync("git", ["commit", "-q", "-am", "app v3 from the clone"], { cwd: clone, env: sb.env });
    sb.git("pull", "-q", "--ff-only", clone, "main");

    const after = await read("app");
    expect(after.body?.data.password).toBe("pulled-value-zeta");
    expect(after.body?.metadata.version).toBe(3);

    sb.git("reset", "-q", "--hard", head);
    const back = await read("app");
    expect(back.body?.data.password).toBe(VALUES[1]);
    expect(back.body?.metadata.version).toBe(2);
  });
});

describe("group commit through the server", () => {
  it("commits concurrent writes together: fewer commits than writes, each write read back, every path named in a message", async () => {
    const before = Number(sb.git("rev-list", "--count", "HEAD").trim());
    const n = 24;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => write(`group/s${i}`, { v: `group-value-${i}` })));
    expect(replies.map((r) => r.status)).toEqual(Array(n).fill(200));
    const commits = Number(sb.git("rev-list", "--count", "HEAD").trim()) - before;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(n);
    const messages = sb.git("log", `-${commits}`, "--format=%B");
    for (let i = 0; i < n; i++) {
      expect(messages).toContain(`write secret/group/s${i} (version 1)`);
      const back = await read(`group/s${i}`);
      expect(back.body?.data).toEqual({ v: `group-value-${i}` });
    }
    for (const v of Array.from({ length: n }, (_, i) => `group-value-${i}`)) expect(messages).not.toContain(v);
    expect(sb.git("status", "--porcelain", "--", "secrets").trim()).toBe("");
  });
});

describe("SIGKILL in the middle of a stream of writes", () => {
  it("leaves every acknowledged write in a commit and every file whole", async () => {
    const victim = new Sandbox({ from: sb });
    try {
      // A copy of the fixture and its state directory: the same root token.
      const s = await startServe(victim);
      const url = s.url;
      const acknowledged: Array<{ path: string; value: string }> = [];
      let stop = false;
      const streams = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop && i < 1000; i++) {
          const path = `kill/w${w}-${i}`;
          const value = `kill-value-${w}-${i}`;
          try {
            const r = await write(path, { v: value }, url);
            if (r.status === 200) acknowledged.push({ path, value });
          } catch {
            return; // the server is gone
          }
        }
      });
      // Kill once some writes were acknowledged (bounded: 20 s).
      for (let t = 0; acknowledged.length < 20 && t < 400; t++) await new Promise((r) => setTimeout(r, 50));
      s.proc.kill("SIGKILL");
      stop = true;
      await Promise.all(streams);
      expect(acknowledged.length).toBeGreaterThanOrEqual(20);

      // Git children of the killed server may still be finishing: wait for the index lock to go.
      for (let t = 0; t < 100 && readdirSync(join(victim.repo, ".git")).includes("index.lock"); t++) await new Promise((r) => setTimeout(r, 50));
      // Every file under the folder is whole: it decrypts (committed or not).
      const dir = join(victim.repo, "secrets", "kill");
      const plain = new Map<string, string>();
      for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml"))) plain.set(`kill/${f.slice(0, -".yaml".length)}`, await victim.ok(["decrypt", join("secrets", "kill", f)]));
      // Every acknowledged write is in HEAD, as written (each path was written once).
      for (const { path, value } of acknowledged) {
        const file = `secrets/${path}.yaml`;
        const committed = execFileSync("git", ["show", `HEAD:${file}`], { cwd: victim.repo, env: victim.env });
        expect(committed.equals(readFileSync(join(victim.repo, file)))).toBe(true);
        expect(plain.get(path)).toBe(`v: ${value}\n`);
      }
    } finally {
      victim.cleanup();
    }
  }, 60_000);
});
