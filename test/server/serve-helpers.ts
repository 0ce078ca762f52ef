import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
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
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `secrets serve` in the sandbox on a free loopback port; resolves once it listens. */
export function startServe(sb: Sandbox, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const proc = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", ...args], { cwd: sb.repo, env: { ...sb.env, ...env } });
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
        stop: () => {
          proc.kill("SIGTERM");
          return exited;
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
