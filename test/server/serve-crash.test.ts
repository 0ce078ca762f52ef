import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, type Served } from "./serve-helpers.js";

/**
 * `secrets serve` killed with SIGKILL (its whole process group, git children included, as an OOM
 * kill or a power cut would) in the middle of a stream of writes from node-vault clients (issue
 * #14 §8). Afterwards every file is old or new (each decrypts), every acknowledged write (a 200 the
 * client got, with its version) is that version's commit, `git fsck` finds nothing wrong, and a
 * restarted server serves and takes writes: the file locks and git locks the killed one left do
 * not wedge it (src/io/lock.ts recovers a dead pid's file lock; src/git/stale-locks.ts the git
 * locks of a marked operation).
 */

const require = createRequire(import.meta.url);

const sandboxes: Sandbox[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const sb of sandboxes) sb.cleanup();
});

async function fixture(): Promise<Sandbox> {
  const sb = await buildFixture();
  sandboxes.push(sb);
  return sb;
}

async function serve(sb: Sandbox, detached = false): Promise<Served> {
  const s = await startServe(sb, [], {}, { detached });
  servers.push(s);
  return s;
}

/** The secret files under secrets/ (dot-files, locks and temp files are not secrets). */
function secretFiles(sb: Sandbox, dir = sb.path("secrets")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith(".")) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? secretFiles(sb, p) : [relative(sb.repo, p)];
  });
}

interface Ack {
  secret: string;
  data: Record<string, string>;
  version: number;
}

describe("kill -9 during a stream of writes", () => {
  it("leaves every file old or new, every acknowledged write in its commit, git fsck clean, and a restartable server", async () => {
    const sb = await fixture();
    const first = await serve(sb, true);
    const token = first.rootToken!;
    const secrets = ["crash/w0", "crash/w1", "crash/w2", "crash/w3", "crash/shared"];
    // Every version stays served, so that each acknowledged one can be read back.
    for (const s of secrets) expect((await raw("POST", `${first.url}/v1/secret/metadata/${s}`, { "X-Vault-Token": token }, '{"max_versions":1000}')).status).toBe(204);

    const acks: Ack[] = [];
    const attempted = new Map<string, Set<string>>(secrets.map((s) => [s, new Set()]));
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      process.kill(-first.proc.pid!, "SIGKILL");
    };
    const fallback = setTimeout(kill, 20_000);
    // Four writers of their own secret, two racing on one shared secret; each at most 60 writes.
    const writers = [0, 1, 2, 3, 4, 5].map(async (w) => {
      const secret = w < 4 ? `crash/w${w}` : "crash/shared";
      const vault = require("node-vault")({ endpoint: first.url, token });
      for (let n = 0; n < 60 && !killed; n++) {
        const data = { writer: `w${w}`, seq: `value-${w}-${n}` };
        attempted.get(secret)!.add(data.seq);
        try {
          const r = await vault.write(`secret/data/${secret}`, { data });
          acks.push({ secret, data, version: r.data.version });
          if (acks.length >= 40) kill();
        } catch {
          return; // the server is gone
        }
      }
    });
    await Promise.all(writers);
    clearTimeout(fallback);
    kill();
    expect(await first.exited).toBe(null);
    expect(acks.length).toBeGreaterThanOrEqual(40);

    // Every file is whole: the old or the new version, each decrypts.
    for (const file of secretFiles(sb)) {
      if (file === join("secrets", "other.yaml")) continue; // encrypted to another key only
      const r = await sb.run(["decrypt", file]);
      expect([file, r.code, r.stderr]).toEqual([file, 0, ""]);
      const name = file.replace(/^secrets\//, "").replace(/\.yaml$/, "");
      if (attempted.has(name)) expect(attempted.get(name)!.has((parseYaml(r.stdout) as { seq: string }).seq)).toBe(true);
    }
    const fsck = spawnSync("git", ["fsck", "--full"], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
    expect(fsck.status).toBe(0);
    expect(`${fsck.stdout}${fsck.stderr}`.split("\n").filter((l) => /^(error|fatal|missing|broken|bad|warning)/i.test(l))).toEqual([]);

    // A restarted server: every acknowledged write is its version's commit; it takes writes again at once.
    const second = await serve(sb);
    for (const ack of acks) {
      const r = await raw("GET", `${second.url}/v1/secret/data/${ack.secret}?version=${ack.version}`, { "X-Vault-Token": token });
      expect([ack.secret, ack.version, r.status, JSON.parse(r.body).data?.data]).toEqual([ack.secret, ack.version, 200, ack.data]);
    }
    for (const secret of secrets) {
      const lastAck = Math.max(0, ...acks.filter((a) => a.secret === secret).map((a) => a.version));
      const current = JSON.parse((await raw("GET", `${second.url}/v1/secret/data/${secret}`, { "X-Vault-Token": token })).body).data;
      // HEAD holds the last acknowledged write or a later one that was committed before the kill.
      expect(current.metadata.version).toBeGreaterThanOrEqual(lastAck);
      expect(attempted.get(secret)!.has(current.data.seq)).toBe(true);
      const started = Date.now();
      const w = await raw("POST", `${second.url}/v1/secret/data/${secret}`, { "X-Vault-Token": token }, JSON.stringify({ data: { after: "restart" } }));
      expect([secret, w.status]).toEqual([secret, 200]);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect(spawnSync("git", ["fsck", "--full"], { cwd: sb.repo, env: sb.env }).status).toBe(0);
  }, 120_000);
});

/** A pid that no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.once("exit", r));
  return child.pid!;
}

describe("git locks left by a killed server", () => {
  it("those of its marked operation are removed at the next start; others are left alone", async () => {
    const sb = await fixture();
    const now = Date.now();
    const pid = await deadPid();
    // What a server killed inside `git commit` leaves: its operation's mark, the index and ref locks.
    mkdirSync(sb.path(".git", "secrets-server-ops"), { recursive: true });
    writeFileSync(sb.path(".git", "secrets-server-ops", `${pid}-7.json`), JSON.stringify({ pid, host: hostname(), started: now - 5_000 }));
    const at = (file: string, ms: number) => {
      writeFileSync(file, "");
      utimesSync(file, new Date(ms), new Date(ms));
    };
    at(sb.path(".git", "index.lock"), now - 4_900);
    at(sb.path(".git", "refs", "heads", "main.lock"), now - 4_800);
    // Older than the operation: not its lock (someone's git, long ago). Left for a person to judge.
    at(sb.path(".git", "refs", "heads", "elsewhere.lock"), now - 600_000);

    const served = await serve(sb);
    expect(served.stderr()).toContain("secrets serve: removed .git/index.lock, left by a server that was killed while running git");
    expect(served.stderr()).toContain("secrets serve: removed .git/refs/heads/main.lock");
    expect(existsSync(sb.path(".git", "index.lock"))).toBe(false);
    expect(existsSync(sb.path(".git", "refs", "heads", "main.lock"))).toBe(false);
    expect(existsSync(sb.path(".git", "refs", "heads", "elsewhere.lock"))).toBe(true);
    expect(readdirSync(sb.path(".git", "secrets-server-ops"))).toEqual([]);
    const started = Date.now();
    const w = await raw("POST", `${served.url}/v1/secret/data/after-recovery`, { "X-Vault-Token": served.rootToken! }, '{"data":{"a":"b"}}');
    expect(w.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await served.stop()).toBe(0);

    // No mark at all: an index.lock is someone's running git, and is never removed.
    at(sb.path(".git", "index.lock"), Date.now());
    const again = await serve(sb);
    expect(again.stderr()).not.toContain("removed");
    expect(existsSync(sb.path(".git", "index.lock"))).toBe(true);
  }, 60_000);
});
