import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pathMatches, readAccessLog, readAccessRecords, type AccessRecord } from "../../src/audit-log/access-reader.js";
import { openAuditDevice } from "../../src/audit-log/device.js";
import { FileSink } from "../../src/audit-log/file-sink.js";
import { MemorySaltStore } from "../../src/audit-log/salt-store.js";
import { SecretsError } from "../../src/errors.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<AccessRecord>): Promise<AccessRecord[]> {
  const out: AccessRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe("readAccessLog", () => {
  it("answers who read which path, when, from where, from our own log, without any value or token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-read-"));
    dirs.push(dir);
    const file = join(dir, "audit.log");
    let clock = new Date("2025-06-01T10:00:00Z");
    const device = await openAuditDevice({ path: "file", sink: new FileSink(file), salts: new MemorySaltStore(), options: { now: () => clock } });
    const auth = { clientToken: "hvs.TOKEN", accessor: "ACCESSOR", displayName: "token-ci", policies: ["app"] };
    for (const [i, path] of ["secret/data/app", "secret/data/db", "secret/data/app"].entries()) {
      clock = new Date(Date.UTC(2025, 5, 1 + i, 10));
      const request = { id: `r${i}`, operation: "read" as const, path, mountType: "kv", clientToken: "hvs.TOKEN", clientTokenAccessor: "ACCESSOR", remoteAddress: "10.0.0.7", remotePort: 40000 + i };
      await device.log({ type: "request", auth, request });
      await device.log({ type: "response", auth, request, response: { data: { data: { password: "PLAINTEXT" } } } });
    }
    await device.close();

    const all = await collect(readAccessLog(file));
    expect(all.map((r) => [r.requestId, r.path, r.time])).toEqual([
      ["r0", "secret/data/app", "2025-06-01T10:00:00Z"],
      ["r1", "secret/data/db", "2025-06-02T10:00:00Z"],
      ["r2", "secret/data/app", "2025-06-03T10:00:00Z"],
    ]);
    expect(all[0]).toMatchObject({ displayName: "token-ci", accessor: device.auditHash("ACCESSOR").hash, operation: "read", mountType: "kv", remoteAddress: "10.0.0.7", remotePort: 40000 });
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
    const got = await collect(readAccessRecords(["not json", vaultLine, '{"type":"other"}'], { onSkippedLine: (n) => skipped.push(n) }));
    expect(skipped).toEqual([1, 3]);
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
        mountType: undefined,
        remoteAddress: "172.17.0.1",
        remotePort: undefined,
        error: "",
      },
    ]);
  });

  it("rejects a log it cannot open with a read-input SecretsError", async () => {
    await expect(collect(readAccessLog(join(tmpdir(), "no-such-audit-log-xyz")))).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "read-input");
  });

  it("matches paths exactly (trailing slash ignored) or by a trailing * prefix", () => {
    expect(pathMatches("secret/data/app", "secret/data/app/")).toBe(true);
    expect(pathMatches("secret/data/app", "secret/data/apps")).toBe(false);
    expect(pathMatches("secret/data/app*", "secret/data/apps")).toBe(true);
  });
});
