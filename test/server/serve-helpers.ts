import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { CLI, Sandbox } from "../helpers/cli.js";

/** Plaintext values the fixture holds: none may appear in an audit log. */
export const VALUES = ["hunter2-first", "hunter3-second", "db-user-u<&>", "not-for-the-server"];

/**
 * A repository with an identity, a .sops.yaml and, under secrets/, committed:
 * - app.yaml: two versions (password hunter2-first, then hunter3-second), plus `n: 3`;
 * - team/db.yaml: one version (`user`);
 * - other.yaml: encrypted to another recipient only (the server cannot open it).
 */
export async function buildFixture(): Promise<Sandbox> {
  const sb = new Sandbox();
  await sb.ok(["keygen"]);
  await sb.ok(["init"]);
  const other = (await sb.ok(["keygen", "-o", sb.path("..", "other-key.txt")])).trim();
  mkdirSync(sb.path("secrets", "team"), { recursive: true });
  writeFileSync(sb.path("secrets/app.yaml"), `password: ${VALUES[0]}\nn: 3\n`);
  await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "app v1");
  await sb.ok(["set", "secrets/app.yaml", "password", JSON.stringify(VALUES[1])]);
  writeFileSync(sb.path("secrets/team/db.yaml"), `user: "${VALUES[2]}"\n`);
  await sb.ok(["encrypt", "-i", "secrets/team/db.yaml"]);
  writeFileSync(sb.path("secrets/other.yaml"), `x: ${VALUES[3]}\n`);
  await sb.ok(["encrypt", "-i", "secrets/other.yaml", "--age", other]);
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "app v2, team/db, other");
  return sb;
}

export interface Served {
  url: string;
  rootToken: string | undefined;
  proc: ChildProcessWithoutNullStreams;
  stderr: () => string;
  /** SIGTERM (SIGKILL if it has not exited 15 s later); resolves with the exit code. Safe to call after it exited. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /**
   * Its own process group, so that `process.kill(-proc.pid, "SIGKILL")` also ends the git processes
   * it is running: what a power cut or an OOM kill of a container does.
   */
  detached?: boolean;
}

/** Starts `secrets serve` in the sandbox on a free loopback port; resolves once it listens. */
export function startServe(sb: Sandbox, args: string[] = [], env: NodeJS.ProcessEnv = {}, opts: StartOptions = {}): Promise<Served> {
  const proc = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", ...args], { cwd: sb.repo, env: { ...sb.env, ...env }, detached: opts.detached === true });
  let err = "";
  proc.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  proc.stdout.resume();
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    const onData = (): void => {
      const m = /listening on (https?:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      proc.stderr.off("data", onData);
      resolve({
        url: m[1]!,
        rootToken: /^Root Token: (\S+)$/m.exec(err)?.[1],
        proc,
        stderr: () => err,
        exited,
        stop: () => {
          if (proc.exitCode !== null || proc.signalCode !== null) return exited;
          proc.kill("SIGTERM");
          const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
          return exited.finally(() => clearTimeout(timer));
        },
      });
    };
    proc.stderr.on("data", onData);
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with node:http, for exact bytes (what curl would show). */
export function raw(method: string, url: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The path as given (`new URL` would resolve `..` segments before they are sent).
    const m = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url);
    if (!m) throw new Error(`not a loopback URL: ${url}`);
    const req = http.request({ host: m[1], port: Number(m[2]), path: m[3], method, headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A fixture repository served as a process (dist/cli.js serve) with an audit file, and its root token. */
export interface AuditedServe {
  sb: Sandbox;
  served: Served;
  token: string;
  auditFile: string;
}

export async function startAuditedServe(): Promise<AuditedServe> {
  const sb = await buildFixture();
  const auditFile = join(sb.dir, "audit.log");
  const served = await startServe(sb, ["--audit-file", auditFile]);
  return { sb, served, token: served.rootToken!, auditFile };
}

/** One response read back from raw bytes. */
export interface WireResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `payload` on a new TCP connection (raw bytes: pipelined requests, HTTP/1.0, headers node's
 * client would refuse to send) and collects what comes back until the server closes the
 * connection, or `timeoutMs` passes (then `closed` is false). Write errors (the server closing
 * while a large body is still being sent) end the writing, not the exchange.
 */
export function socketExchange(url: string, payload: string | Buffer | (() => AsyncIterable<Buffer>), timeoutMs = 10_000): Promise<{ bytes: Buffer; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      if (typeof payload === "function") {
        void (async () => {
          for await (const part of payload()) {
            if (socket.destroyed || settled) return;
            if (!socket.write(part)) {
              await new Promise<void>((r) => {
                const done = (): void => {
                  socket.off("drain", done).off("close", done);
                  r();
                };
                socket.on("drain", done).on("close", done);
              });
            }
          }
        })().catch(() => undefined);
      } else socket.write(payload);
    });
  });
}

/** Splits raw HTTP/1.x responses (Content-Length, chunked, or up to the end). */
export function parseResponses(bytes: Buffer): WireResponse[] {
  const out: WireResponse[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd === -1) break;
    const [statusLine, ...lines] = rest.subarray(0, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    rest = rest.subarray(headEnd + 4);
    let body: Buffer;
    if (headers["content-length"] !== undefined) {
      const n = Number(headers["content-length"]);
      body = rest.subarray(0, n);
      rest = rest.subarray(n);
    } else if (headers["transfer-encoding"] === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const nl = rest.indexOf("\r\n");
        const size = parseInt(rest.subarray(0, nl).toString("latin1"), 16);
        rest = rest.subarray(nl + 2);
        if (!size) {
          rest = rest.subarray(2);
          break;
        }
        parts.push(rest.subarray(0, size));
        rest = rest.subarray(size + 2);
      }
      body = Buffer.concat(parts);
    } else {
      body = rest;
      rest = Buffer.alloc(0);
    }
    out.push({ statusLine: statusLine!, headers, body: body.toString("utf8") });
  }
  return out;
}
