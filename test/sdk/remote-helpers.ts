import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { SecretsClient, type SecretsClientOptions } from "../../src/index.js";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, startServe, VALUES, type Served } from "../server/serve-helpers.js";

/**
 * The SDK's client of a server against a real `secrets serve` (dist/cli.js, started on loopback by
 * the test) over a fixture repository, with the files' client beside it on the same repository
 * to compare with; and loopback servers in front of it that count, fail or stall requests.
 */

/** Values the remote fixture adds to serve-helpers' VALUES: none may appear in an error or a log. */
export const MORE_VALUES = ["pg-pass-remote-1", "redis-pw-remote-2", "api-key-remote-3", "sibling-pw-remote-4"];
/** An integer beyond 2^53: the files' client reads it as a bigint, and so must the server's. */
export const BIG = 2n ** 60n + 7n;

export interface RemoteFixture {
  sb: Sandbox;
  served: Served;
  /** The operator's root token. */
  token: string;
  auditFile: string;
  /** The sandbox's age identity (the server's too). */
  identity: string;
  /** The files' client on the same repository (reads the work tree, with the sandbox's identity). */
  local: SecretsClient;
  /** A client of the server (root token unless given). */
  remote(options?: SecretsClientOptions): SecretsClient;
  /** Commits everything in the work tree (the server serves commits). */
  commit(message: string): void;
  /** A token made with `secrets token create NAME --policy NAME` after writing that policy's HCL. */
  tokenWithPolicy(name: string, hcl: string): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * serve-helpers' fixture (app.yaml, team/db.yaml, other.yaml the server cannot open) plus:
 * - database/postgres.yaml: password, port 5432, big (2^60 + 7), nested {deep: {key}}, keys out of order;
 * - cache.yaml: redis.password (so `cache/redis/password` resolves to the shorter file);
 * - withmeta.yaml: password with metadata set by the files' client (the sibling key, in clear).
 */
export async function startRemoteFixture(): Promise<RemoteFixture> {
  const sb = await buildFixture();
  const keys = readFileSync(join(sb.dir, "config", "sops", "age", "keys.txt"), "utf8");
  const identity = keys.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
  const local = new SecretsClient({ root: sb.path("secrets"), identities: [identity] });
  mkdirSync(sb.path("secrets", "database"), { recursive: true });
  writeFileSync(sb.path("secrets/database/postgres.yaml"), `zeta: last-first\npassword: ${MORE_VALUES[0]}\nport: 5432\nbig: ${BIG}\nnested:\n  deep:\n    key: v-deep\nalpha: a-value\n`);
  await sb.ok(["encrypt", "-i", "secrets/database/postgres.yaml"]);
  writeFileSync(sb.path("secrets/cache.yaml"), `redis:\n  password: ${MORE_VALUES[1]}\n`);
  await sb.ok(["encrypt", "-i", "secrets/cache.yaml"]);
  await local.set("withmeta/password", MORE_VALUES[3]!, { metadata: { owner: "team-db", ttl_days: 90, rotated: true } });
  const commit = (message: string): void => {
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", message);
  };
  commit("remote fixture");
  const auditFile = join(sb.dir, "audit.log");
  const served = await startServe(sb, ["--audit-file", auditFile]);
  const token = served.rootToken!;
  const clients: SecretsClient[] = [];
  return {
    sb,
    served,
    token,
    auditFile,
    identity,
    local,
    remote(options = {}) {
      const c = new SecretsClient({ url: served.url, token, ...options });
      clients.push(c);
      return c;
    },
    commit,
    async tokenWithPolicy(name, hcl) {
      mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
      writeFileSync(sb.path(".secrets", "policies", `${name}.hcl`), hcl);
      return (await sb.ok(["token", "create", name, "--policy", name])).trim();
    },
    async cleanup() {
      for (const c of clients) c.close();
      await served.stop();
      sb.cleanup();
    },
  };
}

/** A request line of the audit log: what the server was asked. */
export interface AuditedRequest {
  operation: string;
  path: string;
}

/** The requests in the audit log, oldest first. */
export function auditedRequests(auditFile: string): AuditedRequest[] {
  return readFileSync(auditFile, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; request: { operation: string; path: string } })
    .filter((e) => e.type === "request")
    .map((e) => ({ operation: e.request.operation, path: e.request.path }));
}

/** The requests a function made, from the audit log (the server writes a request line before it answers). */
export async function requestsDuring(auditFile: string, fn: () => Promise<unknown>): Promise<AuditedRequest[]> {
  const before = auditedRequests(auditFile).length;
  await fn();
  return auditedRequests(auditFile).slice(before);
}

/** Everything an error shows (message, stack, inspection), to check that no value or token is in it. */
export function everything(e: unknown): string {
  const err = e as Error;
  return `${err.message}\n${err.stack}\n${inspect(err, { depth: 5, showHidden: true })}`;
}

/** The rejection of a promise (fails if it resolves). */
export async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/** Every plaintext value of the fixture. */
export const ALL_VALUES = [...VALUES, ...MORE_VALUES];

/** What a loopback front does with the n-th request (0-based). */
export type FrontAction = "forward" | "destroy" | "hang" | { status: number; body: string };

/** A request as the front saw it. */
export interface FrontRequest {
  method: string;
  url: string;
  /** The TCP connection it came on (1, 2, …, in order of connection). */
  connection: number;
}

export interface Front {
  url: string;
  requests: FrontRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 in front of `target` (or of nothing): each request gets what
 * `action(n, request)` says (after the action's promise, if it returns one) — forwarded to the target, answered with a status, its connection destroyed, or
 * left without an answer — and is recorded with the connection it came on.
 */
export function loopbackFront(target: string | undefined, action: (n: number, req: FrontRequest) => FrontAction | Promise<FrontAction>): Promise<Front> {
  const requests: FrontRequest[] = [];
  const connections = new WeakMap<object, number>();
  let nextConnection = 0;
  const server = http.createServer((req, res) => {
    const n = requests.length;
    let connection = connections.get(req.socket);
    if (connection === undefined) connections.set(req.socket, (connection = ++nextConnection));
    const seen = { method: req.method ?? "", url: req.url ?? "", connection };
    requests.push(seen);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const what = await action(n, seen);
      if (what === "destroy") {
        req.socket.destroy();
        return;
      }
      if (what === "hang") return;
      if (what !== "forward") {
        res.writeHead(what.status, { "Content-Type": "application/json" }).end(what.body);
        return;
      }
      if (target === undefined) throw new Error("nothing to forward to");
      const headers = { ...req.headers };
      delete headers.host;
      const up = http.request(`${target}${req.url ?? ""}`, { method: req.method, headers, agent: false }, (r) => {
        const body: Buffer[] = [];
        r.on("data", (c: Buffer) => body.push(c));
        r.on("end", () => {
          const h = { ...r.headers };
          delete h.connection;
          res.writeHead(r.statusCode ?? 502, h).end(Buffer.concat(body));
        });
      });
      up.on("error", () => res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
