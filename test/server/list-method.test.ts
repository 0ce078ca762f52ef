import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createListMethodServer, methodOf } from "../../src/server/http/list-method.js";
import { RequestFramer } from "../../src/server/http/request-framer.js";

/** What the handler saw of one request. */
interface Seen {
  method: string;
  parsedAs: string | undefined;
  url: string | undefined;
  bodySha256: string;
  remoteAddress: string | undefined;
  encrypted: boolean;
}

const sha256 = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

/** The handler: records each request under the client's port, answers with what it saw. */
function recordingHandler(seen: Map<number, Seen[]>): http.RequestListener {
  return (req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const socket = req.socket as net.Socket & { encrypted?: boolean };
      const entry: Seen = {
        method: methodOf(req),
        parsedAs: req.method,
        url: req.url,
        bodySha256: sha256(Buffer.concat(parts)),
        remoteAddress: socket.remoteAddress,
        encrypted: socket.encrypted === true,
      };
      const port = socket.remotePort ?? 0;
      seen.set(port, [...(seen.get(port) ?? []), entry]);
      const body = JSON.stringify(entry);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function closeServer(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Sends `pieces` as separate writes on one fresh connection (waiting a moment between them, so
 * that they tend to arrive as separate segments), and resolves with everything received once the
 * server closes the connection, and the client's local port.
 */
async function exchange(
  connect: () => net.Socket,
  pieces: Buffer[],
  pauseMs = 1,
): Promise<{ received: string; port: number }> {
  const socket = connect();
  socket.setNoDelay(true);
  const received: Buffer[] = [];
  socket.on("data", (part: Buffer) => received.push(part));
  const closed = new Promise<void>((resolve, reject) => {
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
  await new Promise<void>((resolve) => socket.once(socket instanceof tls.TLSSocket ? "secureConnect" : "connect", resolve));
  const port = socket.localPort ?? 0;
  for (const [index, piece] of pieces.entries()) {
    socket.write(piece);
    if (index < pieces.length - 1) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await closed;
  return { received: Buffer.concat(received).toString("latin1"), port };
}

const statusLines = (received: string): string[] => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];

// A pipeline holding every framing case, ending with `Connection: close` so the server ends it.
const trickyBody = "a body with\r\n\r\nLIST / HTTP/1.1\r\nHost: x\r\n\r\n inside";
const chunkData = ["LIST ", "\r\n0\r\n\r\nLIST /smuggled HTTP/1.1\r\n\r\n", "tail"];
const chunkedBody =
  `${chunkData[0]!.length.toString(16)};ext=1;quoted="a b"\r\n${chunkData[0]!}\r\n` +
  `${chunkData[1]!.length.toString(16).toUpperCase()}\r\n${chunkData[1]!}\r\n` +
  `${chunkData[2]!.length.toString(16)}\r\n${chunkData[2]!}\r\n` +
  "0\r\nX-Trailer: LIST / HTTP/1.1\r\n\r\n";
const PIPELINE = Buffer.from(
  "LIST /v1/secret/metadata/app HTTP/1.1\r\nHost: x\r\nX-Vault-Token: t\r\n\r\n" +
    `POST /v1/secret/data/a HTTP/1.1\r\nHost: x\r\nContent-Length: ${trickyBody.length}\r\n\r\n${trickyBody}` +
    `POST /v1/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedBody}` +
    "\r\n" + // an empty line between requests, which the parser skips
    "LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nLIST" +
    "LINK /v1/real-link HTTP/1.1\r\nHost: x\r\n\r\n" +
    "GET /v1/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "latin1",
);
const EXPECTED: Pick<Seen, "method" | "url" | "bodySha256">[] = [
  { method: "LIST", url: "/v1/secret/metadata/app", bodySha256: sha256("") },
  { method: "POST", url: "/v1/secret/data/a", bodySha256: sha256(trickyBody) },
  { method: "POST", url: "/v1/chunked", bodySha256: sha256(chunkData.join("")) },
  { method: "LIST", url: "/v1/secret/metadata/", bodySha256: sha256("LIST") },
  { method: "LINK", url: "/v1/real-link", bodySha256: sha256("") },
  { method: "GET", url: "/v1/last", bodySha256: sha256("") },
];
/** The pipeline as the parser must receive it: exactly the two LIST request lines renamed. */
const PIPELINE_REWRITTEN = Buffer.from(
  PIPELINE.toString("latin1")
    .replace("LIST /v1/secret/metadata/app HTTP", "LINK /v1/secret/metadata/app HTTP")
    .replace("LIST /v1/secret/metadata/ HTTP", "LINK /v1/secret/metadata/ HTTP"),
  "latin1",
);

const pick = (seen: Seen[] | undefined) =>
  (seen ?? []).map(({ method, url, bodySha256 }) => ({ method, url, bodySha256 }));

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts)].filter((cut) => cut > 0 && cut < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  return pieces;
}

/** Runs the framer over copies of `pieces` (it edits them in place); returns the bytes as edited and the LIST flags it queued. */
function frame(pieces: Buffer[], maxHeadBytes?: number): { out: Buffer; flags: boolean[]; framer: RequestFramer } {
  const flags: boolean[] = [];
  const framer = new RequestFramer((isList) => flags.push(isList), maxHeadBytes === undefined ? {} : { maxHeadBytes });
  const out = pieces.map((piece) => Buffer.from(piece));
  for (const piece of out) framer.push(piece);
  return { out: Buffer.concat(out), flags, framer };
}

describe("RequestFramer", () => {
  const expectedFlags = [true, false, false, true, false, false];

  it("renames exactly the LIST request lines of a pipeline in one chunk", () => {
    const { out, flags } = frame([PIPELINE]);
    expect(out.equals(PIPELINE_REWRITTEN)).toBe(true);
    expect(flags).toEqual(expectedFlags);
  });

  it("gives the same bytes and flags for the pipeline split at every byte position", () => {
    for (let cut = 1; cut < PIPELINE.length; cut++) {
      const { out, flags } = frame(splitAt(PIPELINE, [cut]));
      expect(out.equals(PIPELINE_REWRITTEN), `split at ${cut}`).toBe(true);
      expect(flags, `split at ${cut}`).toEqual(expectedFlags);
    }
  });

  it("gives the same bytes one byte at a time and for random splits", () => {
    const oneByOne = frame([...PIPELINE].map((byte) => Buffer.from([byte])));
    expect(oneByOne.out.equals(PIPELINE_REWRITTEN)).toBe(true);
    expect(oneByOne.flags).toEqual(expectedFlags);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: PIPELINE.length - 1 }), { maxLength: 40 }), (cuts) => {
        const { out, flags } = frame(splitAt(PIPELINE, cuts));
        return out.equals(PIPELINE_REWRITTEN) && flags.join() === expectedFlags.join();
      }),
      { numRuns: 300 },
    );
  });

  it("rewrites a LIST prefix as it comes, and keeps a method that only starts like LIST one llhttp refuses", () => {
    // The stream ends inside the method: nothing can be held back, and the parser refuses `LIN` at
    // its end as it refuses `LIS`.
    const cut = frame([Buffer.from("GET / HTTP/1.1\r\n\r\nLI"), Buffer.from("S")]);
    expect(cut.out.toString("latin1")).toBe("GET / HTTP/1.1\r\n\r\nLIN");
    expect(cut.flags).toEqual([false]);
    // `LISK` must not become `LINK`, a method llhttp knows; `LISTEN` becomes `LINKEN`, refused as it was.
    const cases: Array<[string, string, boolean]> = [
      ["LISK", "LIN\0", false],
      ["LISTEN", "LINKEN", false],
      ["LIST", "LINK", true],
    ];
    for (const [method, parsed, isList] of cases) {
      for (let at = 1; at <= method.length; at++) {
        const { out, flags } = frame(splitAt(Buffer.from(`${method} / HTTP/1.1\r\n\r\n`), [at]));
        expect(out.toString("latin1"), `${method} split at ${at}`).toBe(`${parsed} / HTTP/1.1\r\n\r\n`);
        expect(flags, `${method} split at ${at}`).toEqual([isList]);
      }
    }
  });

  it("stops rewriting past its head cap, with bounded work, and passes the bytes through", () => {
    const huge = Buffer.concat([
      Buffer.from("LIST /a HTTP/1.1\r\nX-Big: "),
      Buffer.alloc(64 * 1024, "a"),
      Buffer.from("\r\n\r\nLIST /b HTTP/1.1\r\n\r\n"),
    ]);
    const { out, flags, framer } = frame(splitAt(huge, [100, 5000, 40_000]), 4096);
    expect(framer.passingThrough).toBe(true);
    expect(flags).toEqual([true]);
    expect(out.subarray(5).equals(huge.subarray(5))).toBe(true);
    expect(out.subarray(0, 5).toString()).toBe("LINK ");
  });

  it.each([
    ["a second Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"],
    ["Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["a bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\nx"],
    ["chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"],
    ["a bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["no CRLF after chunk data", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n"],
    ["obsolete line folding", "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n"],
    ["an Upgrade request", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"],
    ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\n\r\n"],
  ])("stops rewriting on %s", (_name, head) => {
    const input = Buffer.from(`${head}LIST /after HTTP/1.1\r\n\r\n`);
    const { out, framer } = frame([input]);
    expect(framer.passingThrough).toBe(true);
    expect(out.equals(input)).toBe(true);
  });
});

/**
 * What the server saw, per client port, each entry forgotten once read and all of it at each test's
 * start: hundreds of connections run here, and the kernel may give a later one a port an earlier
 * one used (the server closes first, so the client's side keeps no TIME_WAIT).
 */
function perConnectionRecord(): { seen: Map<number, Seen[]>; take: (clientPort: number) => Seen[] | undefined } {
  const seen = new Map<number, Seen[]>();
  beforeEach(() => seen.clear());
  return {
    seen,
    take: (clientPort) => {
      const entries = seen.get(clientPort);
      seen.delete(clientPort);
      return entries;
    },
  };
}

describe("a node:http server accepting LIST", () => {
  const { seen, take } = perConnectionRecord();
  let server: http.Server;
  let port = 0;
  const connect = () => net.connect(port, "127.0.0.1");

  beforeAll(async () => {
    server = createListMethodServer({ http: { keepAliveTimeout: 5_000 } }, recordingHandler(seen));
    port = await listen(server);
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it("hands a LIST request to the handler as LIST, from the real peer address", async () => {
    const { received, port: local } = await exchange(connect, [
      Buffer.from("LIST /v1/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ]);
    expect(statusLines(received)).toEqual(["HTTP/1.1 200"]);
    const [entry] = take(local) ?? [];
    expect(entry).toMatchObject({ method: "LIST", parsedAs: "LINK", url: "/v1/x", remoteAddress: "127.0.0.1" });
  });

  it("keeps a real LINK a LINK, and GET/PUT bodies unchanged", async () => {
    const body = Buffer.from([0, 1, 2, 13, 10, 13, 10, ...Buffer.from("LIST / HTTP/1.1\r\n"), 255]);
    const { port: local } = await exchange(connect, [
      Buffer.from("LINK /v1/link HTTP/1.1\r\nHost: x\r\n\r\n"),
      Buffer.concat([Buffer.from(`PUT /v1/put HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
      Buffer.concat([Buffer.from(`GET /v1/get HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]),
    ]);
    expect(pick(take(local))).toEqual([
      { method: "LINK", url: "/v1/link", bodySha256: sha256("") },
      { method: "PUT", url: "/v1/put", bodySha256: sha256(body) },
      { method: "GET", url: "/v1/get", bodySha256: sha256(body) },
    ]);
  });

  it("serves a pipeline sent in one write", async () => {
    const { received, port: local } = await exchange(connect, [PIPELINE]);
    expect(statusLines(received)).toHaveLength(EXPECTED.length);
    expect(pick(take(local))).toEqual(EXPECTED);
  });

  it("serves the pipeline split in two writes at every byte position", async () => {
    for (let cut = 1; cut < PIPELINE.length; cut++) {
      const { port: local } = await exchange(connect, splitAt(PIPELINE, [cut]), 0);
      expect(pick(take(local)), `split at ${cut}`).toEqual(EXPECTED);
    }
  });

  it("serves the pipeline split into random writes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: PIPELINE.length - 1 }), { minLength: 1, maxLength: 12 }), async (cuts) => {
        const { port: local } = await exchange(connect, splitAt(PIPELINE, cuts));
        expect(pick(take(local))).toEqual(EXPECTED);
      }),
      { numRuns: 20 },
    );
  });

  it("pairs flags with requests even when node answers one itself (417, no 'request' event)", async () => {
    const { received, port: local } = await exchange(connect, [
      Buffer.from(
        "LINK /a HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n" +
          "LIST /b HTTP/1.1\r\nHost: x\r\n\r\n" +
          "LINK /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ),
    ]);
    expect(statusLines(received)).toEqual(["HTTP/1.1 417", "HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(pick(take(local)).map(({ method, url }) => `${method} ${url}`)).toEqual(["LIST /b", "LINK /c"]);
  });

  it("keeps connections alive across LIST requests from node's own client", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const results: { status: number | undefined; reused: boolean; body: string }[] = [];
      for (const path of ["/v1/one", "/v1/two"]) {
        results.push(
          await new Promise((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port, path, method: "LIST", agent }, (res) => {
              const parts: Buffer[] = [];
              res.on("data", (part: Buffer) => parts.push(part));
              res.on("end", () => resolve({ status: res.statusCode, reused: req.reusedSocket, body: Buffer.concat(parts).toString() }));
            });
            req.on("error", reject);
            req.end();
          }),
        );
      }
      expect(results.map(({ status, reused }) => ({ status, reused }))).toEqual([
        { status: 200, reused: false },
        { status: 200, reused: true },
      ]);
      expect(JSON.parse(results[1]!.body)).toMatchObject({ method: "LIST", url: "/v1/two" });
    } finally {
      agent.destroy();
    }
  });

  it("answers oversized headers with node's 431, and keeps serving", async () => {
    const big = `LIST /v1/x HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`;
    const { received } = await exchange(connect, [Buffer.from(big)]);
    expect(statusLines(received)).toEqual(["HTTP/1.1 431"]);
    const after = await exchange(connect, [Buffer.from("LIST /v1/y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]);
    expect(pick(take(after.port)).map(({ method }) => method)).toEqual(["LIST"]);
  });

  it("lets node reject malformed framing (conflicting Content-Length)", async () => {
    const { received, port: local } = await exchange(connect, [
      Buffer.from("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxyLIST / HTTP/1.1\r\n\r\n"),
    ]);
    expect(statusLines(received)).toEqual(["HTTP/1.1 400"]);
    expect(take(local)).toBeUndefined();
  });

  it("propagates closing both ways", async () => {
    // Server to client: an idle keep-alive connection is closed by node's keep-alive timeout,
    // which runs on the real socket through the wrapper's setTimeout.
    const quick = createListMethodServer({ http: { keepAliveTimeout: 100 } }, recordingHandler(seen));
    const quickPort = await listen(quick);
    try {
      const started = Date.now();
      const { received } = await exchange(() => net.connect(quickPort, "127.0.0.1"), [
        Buffer.from("LIST /v1/x HTTP/1.1\r\nHost: x\r\n\r\n"),
      ]);
      expect(statusLines(received)).toEqual(["HTTP/1.1 200"]);
      expect(Date.now() - started).toBeLessThan(5_000);

      // Client to server: the client resets a connection mid-request; the server sees it closed.
      const serverSide = new Promise<void>((resolve) => {
        quick.once("request", (req: http.IncomingMessage) => req.socket.once("close", () => resolve()));
      });
      const client = net.connect(quickPort, "127.0.0.1");
      await new Promise<void>((resolve) => client.once("connect", resolve));
      client.write("POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial");
      await new Promise((resolve) => setTimeout(resolve, 20));
      client.destroy();
      await serverSide;
    } finally {
      await closeServer(quick);
    }
  });
});

describe("an https server accepting LIST", () => {
  const hasOpenssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  const { seen, take } = perConnectionRecord();
  let server: https.Server | undefined;
  let port = 0;
  let cert = "";
  let dir = "";

  beforeAll(async () => {
    if (!hasOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), "list-method-tls-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = createListMethodServer({ tls: { key: readFileSync(join(dir, "key.pem")), cert } }, recordingHandler(seen));
    port = await listen(server);
  });
  afterAll(async () => {
    if (server !== undefined) await closeServer(server);
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasOpenssl)("rewrites LIST on the decrypted stream, pipelined and split", async () => {
    const connect = () => tls.connect({ host: "127.0.0.1", port, ca: cert });
    const single = await exchange(connect, [Buffer.from("LIST /v1/tls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]);
    expect(statusLines(single.received)).toEqual(["HTTP/1.1 200"]);
    expect(take(single.port)?.[0]).toMatchObject({ method: "LIST", url: "/v1/tls", remoteAddress: "127.0.0.1", encrypted: true });
    for (const cuts of [[], [1], [3], [200], [PIPELINE.length - 2]]) {
      const { port: local } = await exchange(connect, splitAt(PIPELINE, cuts));
      expect(pick(take(local)), `cuts ${cuts.join()}`).toEqual(EXPECTED);
    }
  });
});
