import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PENDING, readAccessLog, readAccessRecords, type AccessRecord, type SkippedLineReason } from "../../src/audit-log/access-reader.js";
import { openAuditDevice } from "../../src/audit-log/device.js";
import { FileSink } from "../../src/audit-log/file-sink.js";
import { AuditFormatter } from "../../src/audit-log/format.js";
import { MemorySaltStore } from "../../src/audit-log/salt-store.js";
import { SecretsError } from "../../src/errors.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(name: string, content?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "audit-read-"));
  dirs.push(dir);
  const file = join(dir, name);
  if (content !== undefined) writeFileSync(file, content);
  return file;
}

async function collect(it: AsyncIterable<AccessRecord>): Promise<AccessRecord[]> {
  const out: AccessRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Lines as the server writes them (our formatter), with a pinned clock and an identity HMAC marker. */
function lineMaker(start = Date.UTC(2025, 5, 1, 10)) {
  let t = start;
  const f = new AuditFormatter((v) => `hmac-sha256:h(${v.length})`, { now: () => new Date(t) });
  const auth = { clientToken: "hvs.TOKEN", accessor: "ACCESSOR", displayName: "token-ci", policies: ["app"] };
  const request = (id: string, path: string, operation: "read" | "update" | "delete" | "list" = "read") => ({
    id,
    operation,
    path,
    mountPoint: path.startsWith("secret/") ? "secret/" : undefined,
    mountType: path.startsWith("secret/") ? "kv" : undefined,
    clientToken: "hvs.TOKEN",
    clientTokenAccessor: "ACCESSOR",
    remoteAddress: "10.0.0.7",
    remotePort: 40000,
  });
  return {
    tick: (ms = 1000) => (t += ms),
    req: (id: string, path: string, op?: "read" | "update" | "delete" | "list", error?: string) =>
      f.line({ type: "request", auth, request: request(id, path, op), ...(error ? { error } : {}) }).trimEnd(),
    resp: (id: string, path: string, op?: "read" | "update" | "delete" | "list", opts: { data?: boolean; error?: string } = {}) =>
      f
        .line({ type: "response", auth, request: request(id, path, op), response: opts.data ? { data: { data: { password: "PLAINTEXT" } } } : {}, ...(opts.error ? { error: opts.error } : {}) })
        .trimEnd(),
  };
}

describe("readAccessLog", () => {
  it("answers who made which request to which secret, when, from where, with its outcome, from our own log, without any value or token", async () => {
    const file = tempFile("audit.log");
    let clock = new Date("2025-06-01T10:00:00Z");
    const device = await openAuditDevice({ path: "file", sink: new FileSink(file), salts: new MemorySaltStore(), options: { now: () => clock } });
    const auth = { clientToken: "hvs.TOKEN", accessor: "ACCESSOR", displayName: "token-ci", policies: ["app"] };
    for (const [i, path] of ["secret/data/app", "secret/data/db", "secret/data/app"].entries()) {
      clock = new Date(Date.UTC(2025, 5, 1 + i, 10));
      const request = { id: `r${i}`, operation: "read" as const, path, mountPoint: "secret/", mountType: "kv", clientToken: "hvs.TOKEN", clientTokenAccessor: "ACCESSOR", remoteAddress: "10.0.0.7", remotePort: 40000 + i };
      await device.log({ type: "request", auth, request });
      clock = new Date(clock.getTime() + 5);
      await device.log({ type: "response", auth, request, response: { data: { data: { password: "PLAINTEXT" } } } });
    }
    await device.close();

    const all = await collect(readAccessLog(file));
    expect(all.map((r) => [r.requestId, r.path, r.secret, r.time, r.result, r.responseData])).toEqual([
      ["r0", "secret/data/app", "secret/app", "2025-06-01T10:00:00Z", "ok", true],
      ["r1", "secret/data/db", "secret/db", "2025-06-02T10:00:00Z", "ok", true],
      ["r2", "secret/data/app", "secret/app", "2025-06-03T10:00:00Z", "ok", true],
    ]);
    expect(all[0]).toMatchObject({ displayName: "token-ci", accessor: device.auditHash("ACCESSOR").hash, operation: "read", mountType: "kv", mountPoint: "secret/", remoteAddress: "10.0.0.7", remotePort: 40000, error: undefined });
    const text = JSON.stringify(all);
    for (const plain of ["PLAINTEXT", "hvs.TOKEN", "ACCESSOR"]) expect(text).not.toContain(plain);

    expect((await collect(readAccessLog(file, { path: "secret/data/app" }))).map((r) => r.requestId)).toEqual(["r0", "r2"]);
    expect((await collect(readAccessLog(file, { path: "secret/data/*", since: new Date("2025-06-02T00:00:00Z") }))).map((r) => r.requestId)).toEqual(["r1", "r2"]);
  });

  it("reads a line written by Vault itself (HashiCorp support article 'Audit and Operational Log Details', 2018 example)", async () => {
    // As published, on one line (the article shows it indented); values as published.
    const vaultLine = JSON.stringify({
      time: "2018-04-09T21:04:29.6406536Z",
      type: "request",
      auth: {
        client_token: "hmac-sha256:eb3da855a3fb8b1c3574064f7edd080a97c4ebcf4a8e6674126710915fe464ae",
        accessor: "hmac-sha256:f5a8798113bb65c0676abb3eef5ca5482c0c7daac38da36d402282a5414fcf3d",
        display_name: "token",
        policies: ["default", "sudo", "surf-admin"],
        metadata: { loglevel: "raw", remote: "false", surf: "moderate" },
        entity_id: "",
      },
      request: {
        id: "b2f72168-6cba-1bab-808a-72d9304b82f8",
        operation: "read",
        client_token: "hmac-sha256:eb3da855a3fb8b1c3574064f7edd080a97c4ebcf4a8e6674126710915fe464ae",
        client_token_accessor: "hmac-sha256:f5a8798113bb65c0676abb3eef5ca5482c0c7daac38da36d402282a5414fcf3d",
        path: "auth/token/lookup-self",
        data: null,
        policy_override: false,
        remote_address: "172.17.0.1",
        wrap_ttl: 0,
        headers: {},
      },
      error: "",
    });
    const skipped: number[] = [];
    // Not a secret: only a --path selects it. Its response line is not in the log.
    expect(await collect(readAccessRecords([vaultLine]))).toEqual([]);
    const got = await collect(readAccessRecords([vaultLine, "not json", '{"type":"other"}'], { path: "auth/token/*", onSkippedLine: (n) => skipped.push(n) }));
    expect(skipped).toEqual([2, 3]);
    expect(got).toEqual([
      {
        time: "2018-04-09T21:04:29.6406536Z",
        requestId: "b2f72168-6cba-1bab-808a-72d9304b82f8",
        displayName: "token",
        accessor: "hmac-sha256:f5a8798113bb65c0676abb3eef5ca5482c0c7daac38da36d402282a5414fcf3d",
        entityId: "",
        policies: ["default", "sudo", "surf-admin"],
        path: "auth/token/lookup-self",
        operation: "read",
        mountPoint: undefined,
        mountType: undefined,
        secret: undefined,
        remoteAddress: "172.17.0.1",
        remotePort: undefined,
        result: "no-response",
        error: undefined,
        responseData: undefined,
      },
    ]);
  });

  it("joins each request line to its response line, in request order, when responses come out of order", async () => {
    const m = lineMaker();
    const lines = [
      m.req("a", "secret/data/slow", "update"),
      m.req("b", "secret/data/app"),
      m.resp("b", "secret/data/app", "read", { data: true }),
      m.req("c", "secret/metadata/team/", "list"),
      m.resp("c", "secret/metadata/team/", "list", { data: true }),
      m.resp("a", "secret/data/slow", "update", { error: "1 error occurred:\n\t* check-and-set parameter did not match the current version\n\n" }),
      m.req("d", "secret/data/nope"),
      m.resp("d", "secret/data/nope"),
    ];
    const got = await collect(readAccessRecords(lines));
    expect(got.map((r) => [r.requestId, r.secret, r.operation, r.result, r.responseData])).toEqual([
      ["a", "secret/slow", "update", "error", false],
      ["b", "secret/app", "read", "ok", true],
      ["c", "secret/team/", "list", "ok", true],
      ["d", "secret/nope", "read", "ok", false],
    ]);
    expect(got[0]!.error).toContain("check-and-set parameter did not match");
  });

  it("a refused request carries its error; a request never answered is no-response; a response without its request line is a record of its own", async () => {
    const m = lineMaker();
    const lines = [
      // The request line of "orphan" was in the file rotated away.
      m.resp("orphan", "secret/data/app", "read", { data: true }),
      m.req("denied", "secret/data/db", "read", "permission denied"),
      m.resp("denied", "secret/data/db", "read", { error: "permission denied" }),
      m.req("lost", "secret/data/app", "delete"),
    ];
    const got = await collect(readAccessRecords(lines));
    expect(got.map((r) => [r.requestId, r.result, r.error])).toEqual([
      ["orphan", "ok", undefined],
      ["denied", "error", "permission denied"],
      ["lost", "no-response", undefined],
    ]);
  });

  it("selects by a policy path over every mount (with --path), else the requests to secrets only", async () => {
    const m = lineMaker();
    const pairs = [
      ["1", "sys/health"],
      ["2", "auth/token/lookup-self"],
      ["3", "secret/data/app"],
      ["4", "secret/metadata/app"],
      ["5", "secret/destroy/app"],
      ["6", "secret/data/apps"],
      ["7", "secret/config"],
    ] as const;
    const lines = pairs.flatMap(([id, p]) => [m.req(id, p), m.resp(id, p)]);
    const ids = async (path?: string) => (await collect(readAccessRecords(lines, path === undefined ? {} : { path }))).map((r) => r.requestId);
    expect(await ids()).toEqual(["3", "4", "5", "6"]);
    expect(await ids("*")).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(await ids("secret/+/app")).toEqual(["3", "4", "5"]);
    expect(await ids("secret/data/app")).toEqual(["3"]);
    expect(await ids("secret/data/app*")).toEqual(["3", "6"]);
    expect(await ids("/sys/health")).toEqual(["1"]);
    await expect(collect(readAccessRecords(lines, { path: "secret/+*" }))).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "usage");
  });

  it("--since applies to the request line: a request left out leaves out its response line too", async () => {
    const m = lineMaker(Date.UTC(2025, 5, 1, 10, 0, 0));
    const lines = [m.req("early", "secret/data/app")];
    m.tick(2000);
    lines.push(m.req("late", "secret/data/app"), m.resp("early", "secret/data/app"), m.resp("late", "secret/data/app"));
    const got = await collect(readAccessRecords(lines, { since: new Date(Date.UTC(2025, 5, 1, 10, 0, 1)) }));
    expect(got.map((r) => r.requestId)).toEqual(["late"]);
  });

  it("holds at most MAX_PENDING unanswered requests: past that the oldest goes out as no-response", async () => {
    const m = lineMaker();
    const total = MAX_PENDING + 500;
    let consumed = 0;
    function* lines(): Generator<string> {
      consumed++;
      yield m.req("stuck", "secret/data/app");
      for (let i = 0; i < total; i++) {
        consumed++;
        yield m.req(`r${i}`, "secret/data/app");
        consumed++;
        yield m.resp(`r${i}`, "secret/data/app");
      }
    }
    const seen: string[] = [];
    let consumedAtFirst = 0;
    for await (const r of readAccessRecords(lines())) {
      if (seen.length === 0) consumedAtFirst = consumed;
      seen.push(`${r.requestId}:${r.result}`);
    }
    // The unanswered request went out once MAX_PENDING came after it, long before the end of the log.
    expect(consumedAtFirst).toBe(1 + 2 * MAX_PENDING - 1);
    expect(seen.length).toBe(total + 1);
    expect(seen.slice(0, 2)).toEqual(["stuck:no-response", "r0:ok"]);
    expect(seen.at(-1)).toBe(`r${total - 1}:ok`);
  });

  it("a file that is not an audit log: a not-audit-log SecretsError naming the file and the line, and nothing read past it", async () => {
    for (const content of ["hello\n", "\n\n{\"level\":\"info\",\"msg\":\"x\"}\n", "\u0000\u0001binary", '{"type":"request"'] as const) {
      const file = tempFile("not-a-log", content);
      const e = await collect(readAccessLog(file)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SecretsError);
      expect((e as SecretsError).kind).toBe("not-audit-log");
      expect((e as SecretsError).exitCode).toBe(42);
      expect((e as SecretsError).toLine()).toMatch(/not-a-log: not a Vault-format audit log: line \d is not an audit entry$/);
    }
    // An empty log (a device just opened) is a log with nothing in it.
    expect(await collect(readAccessLog(tempFile("empty", "")))).toEqual([]);
  });

  it("a cut last line (rotation, a writer at work) is skipped as partial; later junk lines are skipped with their numbers; a line past the cap is skipped unread", async () => {
    const m = lineMaker();
    const whole = [m.req("a", "secret/data/app"), m.resp("a", "secret/data/app"), "garbage", m.req("b", "secret/data/db")].join("\n") + "\n";
    const long = m.req("c", "secret/data/" + "x".repeat(5000));
    const cut = m.req("d", "secret/data/app").slice(0, 40);
    const file = tempFile("audit.log", whole + long + "\n" + cut);
    const skipped: Array<[number, SkippedLineReason]> = [];
    const got = await collect(readAccessLog(file, { onSkippedLine: (n, why) => skipped.push([n, why]) }, 4096));
    expect(got.map((r) => [r.requestId, r.result])).toEqual([
      ["a", "ok"],
      ["b", "no-response"],
    ]);
    expect(skipped).toEqual([
      [3, "json"],
      [5, "too-long"],
      [6, "partial"],
    ]);
    // The same cut line, then ended by the writer: read in full.
    writeFileSync(file, whole + m.req("d", "secret/data/app") + "\n");
    expect((await collect(readAccessLog(file))).map((r) => r.requestId)).toEqual(["a", "b", "d"]);
  });

  it("rejects a log it cannot open with a read-input SecretsError", async () => {
    await expect(collect(readAccessLog(join(tmpdir(), "no-such-audit-log-xyz")))).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "read-input" && e.message.includes("ENOENT"));
    await expect(collect(readAccessLog(tmpdir()))).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "read-input" && e.message === "is a directory");
  });
});
