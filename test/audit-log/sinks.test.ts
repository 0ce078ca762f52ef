import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { openAuditDevice } from "../../src/audit-log/device.js";
import { FileSink } from "../../src/audit-log/file-sink.js";
import { MemorySaltStore } from "../../src/audit-log/salt-store.js";
import { StreamSink } from "../../src/audit-log/stream-sink.js";
import { SecretsError } from "../../src/errors.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "audit-sink-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (file: string): string[] => readFileSync(file, "utf8").split("\n").slice(0, -1);

describe("FileSink", () => {
  it("appends one line per write to a 0600 file", async () => {
    const file = join(tempDir(), "audit.log");
    const sink = new FileSink(file);
    await sink.write('{"a":1}\n');
    await sink.write('{"b":2}\n');
    await sink.close();
    expect(readFileSync(file, "utf8")).toBe('{"a":1}\n{"b":2}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("reopen() after logrotate's rename writes new lines to a new file at the path (SIGHUP)", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.log");
    const sink = new FileSink(file, { fsync: true });
    await sink.write("before\n");
    renameSync(file, `${file}.1`);
    await sink.write("still-old-fd\n"); // before the SIGHUP the open descriptor is the rotated file's
    await sink.reopen();
    await sink.write("after\n");
    await sink.close();
    expect(readFileSync(`${file}.1`, "utf8")).toBe("before\nstill-old-fd\n");
    expect(readFileSync(file, "utf8")).toBe("after\n");
  });

  it("never interleaves concurrent writes, large lines included, and keeps call order", async () => {
    const file = join(tempDir(), "audit.log");
    const sink = new FileSink(file);
    const big = (i: number): string => `${JSON.stringify({ i, pad: String.fromCharCode(97 + (i % 26)).repeat(70_000 + i) })}\n`;
    await Promise.all(Array.from({ length: 40 }, (_, i) => sink.write(big(i))));
    await sink.close();
    const got = lines(file);
    expect(got).toHaveLength(40);
    got.forEach((l, i) => expect(`${l}\n`).toBe(big(i)));
  });

  it("rejects with a write-output SecretsError when the line cannot be written", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "is-a-dir"));
    const sink = new FileSink(join(dir, "is-a-dir"));
    await expect(sink.write("x\n")).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "write-output" && e.httpStatus === 500);
  });

  it("rejects writes after close()", async () => {
    const sink = new FileSink(join(tempDir(), "audit.log"));
    await sink.close();
    await expect(sink.write("x\n")).rejects.toBeInstanceOf(SecretsError);
  });
});

describe("StreamSink", () => {
  it("writes lines in order to the stream", async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString("utf8"));
        setTimeout(cb, chunks.length % 3);
      },
    });
    const sink = new StreamSink(stream);
    await Promise.all(["1\n", "2\n", "3\n", "4\n"].map((l) => sink.write(l)));
    expect(chunks.join("")).toBe("1\n2\n3\n4\n");
  });

  it("rejects when the stream reports an error, and when it has ended", async () => {
    const failing = new Writable({
      write(_c, _e, cb) {
        cb(Object.assign(new Error("disk full"), { code: "ENOSPC" }));
      },
    });
    failing.on("error", () => undefined);
    await expect(new StreamSink(failing).write("x\n")).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "write-output");
    const ended = new Writable({ write: (_c, _e, cb) => cb() });
    ended.end();
    await expect(new StreamSink(ended).write("x\n")).rejects.toBeInstanceOf(SecretsError);
  });
});

describe("AuditDevice.log", () => {
  it("rejects when its sink cannot write, so the server can fail the request with 500 first", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "is-a-dir"));
    const device = await openAuditDevice({ path: "file", sink: new FileSink(join(dir, "is-a-dir")), salts: new MemorySaltStore() });
    await expect(device.log({ type: "request", request: { id: "r", operation: "read", path: "secret/data/app" } })).rejects.toSatisfy(
      (e) => e instanceof SecretsError && e.httpStatus === 500,
    );
  });

  it("answers audit-hash with the salt its lines use", async () => {
    const file = join(tempDir(), "audit.log");
    const device = await openAuditDevice({ path: "file", sink: new FileSink(file), salts: new MemorySaltStore() });
    await device.log({ type: "request", auth: { clientToken: "hvs.tok" }, request: { id: "r", operation: "read", path: "p", clientToken: "hvs.tok" } });
    await device.close();
    const entry = JSON.parse(lines(file)[0]!) as { auth: { client_token: string } };
    expect(entry.auth.client_token).toBe(device.auditHash("hvs.tok").hash);
  });
});
