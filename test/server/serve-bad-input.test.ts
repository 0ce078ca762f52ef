import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { parseResponses, raw, socketExchange, startAuditedServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * Bad input against `secrets serve` (dist/cli.js): each gets Vault's answer and changes nothing in
 * the work tree or in git. Vault's answers are from http/logical.go buildLogicalRequestNoAuth (bad
 * JSON, a body that is no JSON object, form bodies: isForm / parseFormRequest), http/handler.go
 * parseJSONRequest with logical.AdjustErrorStatusCode (a body past 32 MiB: 413), Go's net/http
 * server (a request line it cannot parse: a plain-text 400 and the connection closed; pipelined
 * requests answered one after the other), and http/handler.go getTokenFromReq (the token only from
 * X-Vault-Token or Authorization: Bearer). docs/server.md has the table.
 */

let sb: Sandbox;
let served: Served;
let token: string;
let auditFile: string;
let head: string;

beforeAll(async () => {
  ({ sb, served, token, auditFile } = await startAuditedServe());
  head = sb.git("rev-parse", "HEAD").trim();
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const auth = (extra: Record<string, string> = {}) => ({ "X-Vault-Token": token, ...extra });
const url = (p: string) => `${served.url}/v1/${p}`;
const errors = (...messages: string[]) => `${JSON.stringify({ errors: messages })}\n`;

/** The repository exactly as the fixture left it: same HEAD, nothing changed or added in the work tree. */
function unchanged(): void {
  expect(sb.git("rev-parse", "HEAD").trim()).toBe(head);
  expect(sb.git("status", "--porcelain", "--untracked-files=all")).toBe("");
}

describe("bodies", () => {
  it("bad JSON and a JSON body that is no object: 400 `error parsing JSON`; `null` is no data", async () => {
    for (const body of ["{not json", "[1]", '"x"', "1", "true", "[]", '{"data":{"a":1}', "nul"]) {
      const r = await raw("POST", url("secret/data/app"), auth({ "Content-Type": "application/json" }), body);
      expect([body, r.status, r.body, r.headers["content-type"]]).toEqual([body, 400, errors("error parsing JSON"), "application/json"]);
    }
    for (const body of ["null", "", "  \n", "null trailing"]) {
      const r = await raw("POST", url("secret/data/app"), auth({ "Content-Type": "application/json" }), body);
      expect([body, r.status, r.body]).toEqual([body, 400, errors("no data provided")]);
    }
    unchanged();
  });

  it("form bodies (Content-Type application/x-www-form-urlencoded) are parsed as Go does; what Go refuses is 400 `error parsing form data`", async () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    // A form has string values only: no `data` object, so no data for a KV write.
    const parsed = await raw("POST", url("secret/data/app"), auth(form), "data=x&options=y");
    expect([parsed.status, parsed.body]).toEqual([400, errors("no data provided")]);
    for (const [body, query] of [
      ["a=%zz", ""],
      ["a=1;b=2", ""],
      ["a=1", "?x=%zz"],
    ] as const) {
      const r = await raw("POST", url(`secret/data/app${query}`), auth(form), body);
      expect([body, query, r.status, r.body]).toEqual([body, query, 400, errors("error parsing form data")]);
    }
    // A form body is data for any endpoint: lookup-self ignores what it does not take.
    const lookup = await raw("POST", url("auth/token/lookup-self"), auth(form), "a=b&a=c");
    expect(lookup.status).toBe(200);
    unchanged();
  });

  it("over 32 MiB: 413 `error parsing JSON`, and the connection is closed", async () => {
    // Declared too large: answered before the body is read.
    const declared = await socketExchange(served.url, `POST /v1/secret/data/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: 33554433\r\n\r\n{"data":`);
    const [a] = parseResponses(declared.bytes);
    expect(a!.statusLine).toBe("HTTP/1.1 413 Payload Too Large");
    expect([a!.headers.connection, a!.body]).toEqual(["close", errors("error parsing JSON")]);
    expect(declared.closed).toBe(true);
    // Chunked, so that the size is found only while reading it.
    const chunk = Buffer.alloc(1 << 20, 0x61);
    const streamed = await socketExchange(served.url, async function* () {
      yield Buffer.from(`POST /v1/secret/data/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 40; i++) yield Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
      yield Buffer.from("0\r\n\r\n");
    });
    const [b] = parseResponses(streamed.bytes);
    expect([b!.statusLine, b!.headers.connection, b!.body]).toEqual(["HTTP/1.1 413 Payload Too Large", "close", errors("error parsing JSON")]);
    expect(streamed.closed).toBe(true);
    unchanged();
  });
});

describe("paths", () => {
  it("`.` and `..` segments, percent-encoded too: 400 `path cannot contain parent references`", async () => {
    for (const p of ["secret/data/team/../app", "secret/data/%2e%2e/app", "secret/data/%2E%2e/x", "secret/data/./app", "secret/data/team/%2E"]) {
      for (const method of ["GET", "POST"]) {
        const r = await raw(method, url(p), auth(), method === "POST" ? '{"data":{"a":"b"}}' : undefined);
        expect([p, method, r.status, r.body]).toEqual([p, method, 400, errors("path cannot contain parent references")]);
      }
    }
    unchanged();
  });

  it("a bad percent escape: Go's plain-text 400, the connection closed, nothing audited", async () => {
    const before = readFileSync(auditFile, "utf8");
    const r = await socketExchange(served.url, `GET /v1/secret/data/%zz HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n`);
    const [res] = parseResponses(r.bytes);
    expect([res!.statusLine, res!.headers["content-type"], res!.headers.connection, res!.body]).toEqual(["HTTP/1.1 400 Bad Request", "text/plain; charset=utf-8", "close", "400 Bad Request"]);
    expect(r.closed).toBe(true);
    expect(readFileSync(auditFile, "utf8")).toBe(before);
    // An escape that is no UTF-8 is no error in Go: just a path that holds nothing.
    const latin = await raw("GET", url("secret/data/%ff"), auth());
    expect([latin.status, latin.body]).toEqual([404, errors()]);
  });

  it("NUL bytes, a segment too long for a file name, a very long path: a read is 404, a list 404, a delete 204, a write 400", async () => {
    const long = "a".repeat(300);
    const deep = Array.from({ length: 1200 }, () => "ab").join("/");
    for (const p of ["a%00b", long, `team/${long}`, deep]) {
      const read = await raw("GET", url(`secret/data/${p}`), auth());
      expect([p.slice(0, 20), read.status, read.body]).toEqual([p.slice(0, 20), 404, errors()]);
      expect((await raw("GET", url(`secret/metadata/${p}`), auth())).status).toBe(404);
      expect((await raw("LIST", url(`secret/metadata/${p}`), auth())).status).toBe(404);
      expect((await raw("DELETE", url(`secret/data/${p}`), auth())).status).toBe(204);
      const write = await raw("POST", url(`secret/data/${p}`), auth(), '{"data":{"a":"b"}}');
      expect(write.status).toBe(400);
      expect(JSON.parse(write.body).errors[0]).toMatch(/^invalid secret path: /);
      const meta = await raw("POST", url(`secret/metadata/${p}`), auth(), '{"max_versions":3}');
      expect(meta.status).toBe(400);
    }
    unchanged();
  });

  it("CR LF in a path is data, never a header: escaped in the body, no header added", async () => {
    const r = await raw("GET", `${served.url}/v1/nope/a%0d%0aSet-Cookie:%20x=1`, auth());
    expect(r.status).toBe(404);
    expect(r.headers["set-cookie"]).toBeUndefined();
    // Go's %q, as JSON.stringify writes it: the CR LF as the four characters \r\n.
    expect(r.body).toBe(errors('no handler for route "nope/a\\r\\nSet-Cookie: x=1". route entry not found.'));
  });
});

describe("tokens", () => {
  it("a token in the query string is no token; a bad X-Vault-Token is an invalid token; other schemes are none", async () => {
    for (const q of [`token=${token}`, `X-Vault-Token=${token}`, `client_token=${token}`]) {
      const r = await raw("GET", url(`secret/data/app?${q}`));
      expect([q.split("=")[0], r.status, r.body]).toEqual([q.split("=")[0], 403, errors("permission denied")]);
    }
    const invalid = errors("2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
    for (const bad of ["hvs.nope", `${token}x`, "x".repeat(8000), "hvs.\u00e9", " "]) {
      const r = await raw("GET", url("secret/data/app"), { "X-Vault-Token": bad });
      const expected = bad.trim() === "" ? errors("permission denied") : invalid;
      expect([bad.slice(0, 10), r.status, r.body]).toEqual([bad.slice(0, 10), 403, expected]);
    }
    const basic = await raw("GET", url("secret/data/app"), { Authorization: `Basic ${Buffer.from(`x:${token}`).toString("base64")}` });
    expect([basic.status, basic.body]).toEqual([403, errors("permission denied")]);
  });

  it("header injection: a CR, LF or NUL inside a header value is refused by the HTTP parser (400, closed), never split into headers", async () => {
    const before = readFileSync(auditFile, "utf8");
    for (const injected of [`${token}\rX-Injected: 1`, `${token}\nX-Vault-Token: hvs.other`, `${token}\0x`]) {
      const r = await socketExchange(served.url, `GET /v1/secret/data/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${injected}\r\n\r\n`);
      const [res] = parseResponses(r.bytes);
      expect([JSON.stringify(injected.slice(-12)), res?.statusLine]).toEqual([JSON.stringify(injected.slice(-12)), "HTTP/1.1 400 Bad Request"]);
      expect(r.bytes.toString("utf8")).not.toContain(VALUES[1]);
      expect(r.closed).toBe(true);
    }
    expect(readFileSync(auditFile, "utf8")).toBe(before);
  });
});

describe("connections", () => {
  it("HTTP/1.0: answered, then the connection is closed", async () => {
    const health = await socketExchange(served.url, "GET /v1/sys/health HTTP/1.0\r\n\r\n");
    const [h] = parseResponses(health.bytes);
    expect(h!.statusLine).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(JSON.parse(h!.body).initialized).toBe(true);
    expect(health.closed).toBe(true);
    const read = await socketExchange(served.url, `GET /v1/secret/data/app HTTP/1.0\r\nX-Vault-Token: ${token}\r\n\r\n`);
    const [r] = parseResponses(read.bytes);
    expect(JSON.parse(r!.body).data.data.password).toBe(VALUES[1]);
    expect(read.closed).toBe(true);
  });

  it("pipelined requests are answered in order, each after the one before it: a pipelined write then read sees the write", async () => {
    const body = JSON.stringify({ data: { pipelined: "value-one" } });
    const requests = [
      `POST /v1/secret/data/piped HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      `GET /v1/secret/data/piped HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n`,
      `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /v1/secret/data/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nConnection: close\r\n\r\n`,
    ];
    const r = await socketExchange(served.url, requests.join(""));
    const responses = parseResponses(r.bytes);
    expect(responses.map((x) => x.statusLine)).toEqual(Array(4).fill("HTTP/1.1 200 OK"));
    expect(JSON.parse(responses[0]!.body).data.version).toBe(1);
    expect(JSON.parse(responses[1]!.body).data.data).toEqual({ pipelined: "value-one" });
    expect(JSON.parse(responses[2]!.body).sealed).toBe(false);
    expect(JSON.parse(responses[3]!.body).data.data.password).toBe(VALUES[1]);
    expect(sb.git("log", "-1", "--format=%s").trim()).toBe("write secret/piped (version 1)");
  });
});
