import { existsSync, readFileSync, renameSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, parseResponses, raw, startServe, type Served } from "./serve-helpers.js";

/**
 * Signals to `secrets serve` as a process (dist/cli.js), issue #14 §1: SIGTERM stops accepting,
 * lets the requests in flight finish (their responses sent, their writes committed), flushes the
 * audit log and exits 0; SIGHUP reopens the audit file, so that logrotate can move it away.
 */

const require = createRequire(import.meta.url);
const sandboxes: Sandbox[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const sb of sandboxes) sb.cleanup();
});

async function audited(): Promise<{ sb: Sandbox; served: Served; auditFile: string; token: string }> {
  const sb = await buildFixture();
  sandboxes.push(sb);
  const auditFile = join(sb.dir, "audit.log");
  const served = await startServe(sb, ["--audit-file", auditFile]);
  servers.push(served);
  return { sb, served, auditFile, token: served.rootToken! };
}

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; request: { id: string; path: string } });

const until = async (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("SIGTERM", () => {
  it("finishes the requests in flight (a body still arriving, writes being committed), flushes the audit log, exits 0", async () => {
    const { sb, served, auditFile, token } = await audited();
    const url = new URL(served.url);
    const head = sb.git("rev-parse", "HEAD").trim();

    // A request whose body is still on its way when the signal comes.
    const body = JSON.stringify({ data: { slow: "body" } });
    const slow = net.connect({ host: url.hostname, port: Number(url.port) });
    const slowReply: Buffer[] = [];
    slow.on("data", (c: Buffer) => slowReply.push(c));
    const slowDone = new Promise<void>((r) => slow.once("close", () => r()));
    await new Promise<void>((r) => slow.once("connect", () => r()));
    slow.write(`POST /v1/secret/data/sigterm-slow HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);

    // Ten writes, each answered only once committed: the signal comes while they queue for git.
    const vault = require("node-vault")({ endpoint: served.url, token });
    const writes = Array.from({ length: 10 }, (_, i) => vault.write(`secret/data/sigterm-${i}`, { data: { n: String(i) } }) as Promise<{ data: { version: number } }>);
    const requested = () => lines(auditFile).filter((l) => l.type === "request" && /^secret\/data\/sigterm-\d$/.test(l.request.path)).length;
    await until("the ten writes to reach the server", () => requested() === 10);
    served.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    // Stopped accepting: a new connection is refused.
    const refused = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: url.hostname, port: Number(url.port) });
      c.once("connect", () => {
        c.destroy();
        resolve(false);
      });
      c.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    // The rest of the body (written, not ended: node:http drops a request whose client half-closes).
    slow.write(body.slice(5));

    const results = await Promise.all(writes);
    expect(results.map((r) => r.data.version)).toEqual(Array(10).fill(1));
    await slowDone;
    const [reply] = parseResponses(Buffer.concat(slowReply));
    expect(reply!.statusLine).toBe("HTTP/1.1 200 OK");
    // Answered while stopping: the connection is not kept alive.
    expect(reply!.headers.connection).toBe("close");
    expect(JSON.parse(reply!.body).data.version).toBe(1);
    expect(await served.exited).toBe(0);

    // Every write committed, and every request's response line is in the log, whole.
    // (Writes that arrive during a commit share the next one: fewer than 11 commits, each write in one.)
    const committed = sb.git("log", "--format=", "--name-only", `${head}..HEAD`).split("\n").filter((l) => l !== "" && !l.endsWith(".kv-metadata.yaml"));
    expect(committed.sort()).toEqual(["secrets/sigterm-slow.yaml", ...Array.from({ length: 10 }, (_, i) => `secrets/sigterm-${i}.yaml`)].sort());
    const log = readFileSync(auditFile, "utf8");
    expect(log.endsWith("\n")).toBe(true);
    const all = lines(auditFile);
    const ids = (type: string) => all.filter((l) => l.type === type).map((l) => l.request.id).sort();
    expect(ids("response")).toEqual(ids("request"));
    expect(all.filter((l) => l.type === "response" && l.request.path.startsWith("secret/data/sigterm-")).length).toBe(11);
  }, 60_000);
});

describe("SIGTERM while --pull-interval is fetching", () => {
  it("a fetch that hangs is killed: the server exits 0 at once", async () => {
    const sb = await buildFixture();
    sandboxes.push(sb);
    const bare = join(sb.dir, "remote.git");
    sb.git("clone", "-q", "--bare", sb.repo, bare);
    sb.git("remote", "add", "origin", bare);
    sb.git("fetch", "-q", "origin");
    sb.git("branch", "-q", "--set-upstream-to=origin/main", "main");
    // The remote's upload-pack never answers (for longer than the test waits).
    sb.git("config", "remote.origin.uploadpack", "sleep 8; :");
    const served = await startServe(sb, ["--pull-interval", "1h"]);
    servers.push(served);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    served.proc.kill("SIGTERM");
    expect(await served.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(served.stderr()).not.toContain("--pull-interval:");
  }, 30_000);
});

describe("SIGHUP", () => {
  it("reopens the audit file: after logrotate renames it, new lines go to a new file at the same path", async () => {
    const { served, auditFile, token } = await audited();
    expect((await raw("GET", `${served.url}/v1/secret/data/app`, { "X-Vault-Token": token })).status).toBe(200);
    const rotated = `${auditFile}.1`;
    renameSync(auditFile, rotated);
    // Until the reopen, lines still go to the renamed file (the open descriptor follows it).
    expect((await raw("GET", `${served.url}/v1/sys/health?before-hup=1`)).status).toBe(200);
    expect(readFileSync(rotated, "utf8")).toContain("before-hup");
    served.proc.kill("SIGHUP");
    // The reopen is queued behind any line being written: ask until a request lands in the new file.
    await until("a line in the reopened file", () => {
      void raw("GET", `${served.url}/v1/sys/health`);
      return existsSync(auditFile) && readFileSync(auditFile, "utf8").includes('"type":"response"');
    });
    expect((await raw("GET", `${served.url}/v1/secret/data/team/db?after-hup=1`, { "X-Vault-Token": token })).status).toBe(200);
    expect(readFileSync(auditFile, "utf8")).toContain("after-hup");
    expect(readFileSync(rotated, "utf8")).not.toContain("after-hup");
    for (const l of lines(rotated)) expect(["request", "response"]).toContain(l.type);
    expect(await served.stop()).toBe(0);
    expect(served.stderr()).not.toContain("could not reopen");
  }, 60_000);
});
