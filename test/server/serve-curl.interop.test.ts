import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { startAuditedServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * curl (Debian's, test/interop/programs.mjs checks it) against `secrets serve`, as Vault's own
 * documentation scripts it: `curl --header "X-Vault-Token: …" --request POST --data '{"data":…}'`.
 * curl's `--data` sends `Content-Type: application/x-www-form-urlencoded`: a JSON body under that
 * type is read as JSON because it starts with `{` (http/logical.go isForm), and a `key=value`
 * body as a form. Expected bodies are Vault's (vault-plugin-secrets-kv path_data.go,
 * path_metadata.go; http/sys_health.go; sdk/logical/response_util.go for 404 `{"errors":[]}`).
 */

let sb: Sandbox;
let served: Served;
let token: string;

beforeAll(async () => {
  ({ sb, served, token } = await startAuditedServe());
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

interface CurlResult {
  status: number;
  body: string;
  headers: string;
}

/** One curl run: `args` after the URL's options; the status from `-w`, the headers from `-D` (a file: curl 7.88 crashes dumping them to a piped stderr). */
function curl(path: string, args: string[] = [], withToken = true): CurlResult {
  const headerFile = join(sb.dir, "curl-headers.txt");
  const r = spawnSync(
    "curl",
    ["--silent", "--show-error", "--dump-header", headerFile, "--output", "-", "--write-out", "\n%{http_code}", ...(withToken ? ["--header", `X-Vault-Token: ${token}`] : []), ...args, `${served.url}/v1/${path}`],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`curl failed (${r.status ?? r.signal}): ${r.stderr}`);
  const cut = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), headers: readFileSync(headerFile, "utf8") };
}

const json = (r: CurlResult) => JSON.parse(r.body);
const data = (body: unknown) => ["--request", "POST", "--data", JSON.stringify(body)];

describe("curl", () => {
  it("health (GET and HEAD), seal-status", () => {
    const health = curl("sys/health", [], false);
    expect(health.status).toBe(200);
    expect(json(health)).toMatchObject({ initialized: true, sealed: false, standby: false });
    // --head writes the headers as the output: nothing may follow them.
    const head = curl("sys/health", ["--head"], false);
    expect(head.status).toBe(200);
    expect(head.body).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
    expect(json(curl("sys/seal-status", [], false)).sealed).toBe(false);
  });

  it("write, read, versions, check-and-set, list, delete, undelete, metadata, destroy", () => {
    const written = curl("secret/data/curl/app", data({ data: { user: "curl-user", pass: "curl-pass-1" } }));
    expect(written.status).toBe(200);
    expect(json(written).data).toMatchObject({ version: 1, deletion_time: "", destroyed: false });
    expect(written.headers).toMatch(/^content-type: application\/json\r$/im);

    const second = curl("secret/data/curl/app", data({ options: { cas: 1 }, data: { user: "curl-user", pass: "curl-pass-2" } }));
    expect(json(second).data.version).toBe(2);
    const conflict = curl("secret/data/curl/app", data({ options: { cas: 1 }, data: { pass: "lost" } }));
    expect([conflict.status, conflict.body]).toEqual([400, '{"errors":["check-and-set parameter did not match the current version"]}\n']);

    expect(json(curl("secret/data/curl/app")).data.data).toEqual({ pass: "curl-pass-2", user: "curl-user" });
    expect(json(curl("secret/data/curl/app?version=1")).data.data.pass).toBe("curl-pass-1");

    const listed = curl("secret/metadata/curl", ["--request", "LIST"]);
    expect([listed.status, json(listed).data.keys]).toEqual([200, ["app"]]);
    expect(json(curl("secret/metadata?list=true")).data.keys).toEqual(["app", "curl/", "team/"]);

    const deleted = curl("secret/data/curl/app", ["--request", "DELETE"]);
    expect([deleted.status, deleted.body]).toEqual([204, ""]);
    const gone = curl("secret/data/curl/app");
    expect(gone.status).toBe(404);
    expect(json(gone).data).toMatchObject({ data: null, metadata: { version: 2, destroyed: false } });
    expect(json(gone).data.metadata.deletion_time).not.toBe("");

    expect(curl("secret/undelete/curl/app", data({ versions: [2] })).status).toBe(204);
    expect(json(curl("secret/data/curl/app")).data.data.pass).toBe("curl-pass-2");

    expect(curl("secret/metadata/curl/app", data({ max_versions: 5, custom_metadata: { owner: "curl" } })).status).toBe(204);
    const meta = json(curl("secret/metadata/curl/app")).data;
    expect(meta).toMatchObject({ current_version: 2, max_versions: 5, custom_metadata: { owner: "curl" } });
    expect(Object.keys(meta.versions)).toEqual(["1", "2"]);

    expect(curl("secret/destroy/curl/app", ["--request", "PUT", "--data", '{"versions":[1]}']).status).toBe(204);
    const destroyed = curl("secret/data/curl/app?version=1");
    expect([destroyed.status, json(destroyed).data.metadata.destroyed]).toEqual([404, true]);
  });

  it("a form body (curl --data key=value) is a form, as in Vault: no `data` object, so no data", () => {
    const r = curl("secret/data/curl/form", ["--data", "data=x"]);
    expect([r.status, r.body]).toEqual([400, '{"errors":["no data provided"]}\n']);
  });

  it("tokens: lookup-self; a bad token, no token and a denied path are 403 with Vault's bodies", async () => {
    const self = curl("auth/token/lookup-self");
    expect([self.status, json(self).data.policies]).toEqual([200, ["root"]]);
    const none = curl("secret/data/app", [], false);
    expect([none.status, none.body]).toEqual([403, '{"errors":["permission denied"]}\n']);
    const bad = curl("secret/data/app", ["--header", "X-Vault-Token: hvs.nope"], false);
    expect([bad.status, bad.body]).toEqual([403, '{"errors":["2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n"]}\n']);
    const made = await sb.run(["token", "create", "reader", "--policy", "default"]);
    expect(made.code).toBe(0);
    const reader = made.stdout.trim();
    const denied = curl("secret/data/app", ["--header", `X-Vault-Token: ${reader}`], false);
    expect([denied.status, denied.body]).toEqual([403, '{"errors":["1 error occurred:\\n\\t* permission denied\\n\\n"]}\n']);
  });

  it("a read holds the fixture's value; a missing path is 404 `{\"errors\":[]}`", () => {
    expect(json(curl("secret/data/app")).data.data.password).toBe(VALUES[1]);
    const missing = curl("secret/data/nope");
    expect([missing.status, missing.body]).toEqual([404, '{"errors":[]}\n']);
  });
});
