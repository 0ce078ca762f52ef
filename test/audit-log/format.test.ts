import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuditFormatter, type AuditEvent } from "../../src/audit-log/format.js";
import { identifiedHmac } from "../../src/audit-log/hmac.js";
import { AuditEntrySchema } from "../../src/audit-log/schema.js";

const salt = Buffer.from("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "hex");
// Computed here with node:crypto, independently of the module under test.
const h = (s: string): string => `hmac-sha256:${createHmac("sha256", salt).update(s, "utf8").digest("hex")}`;
const fixedNow = (): Date => new Date("2025-06-05T16:10:22.292Z");
const formatter = (opts = {}) => new AuditFormatter((v) => identifiedHmac(salt, v), { now: fixedNow, ...opts });

const token = "hvs.CAESIJT2KM9n2KJqg_E267EHJSY0c4NWtTRnBsNWhzUDkQZQ";
const accessor = "bwMAYYBByYBMYs6YbWggfXdA";
const auth = {
  clientToken: token,
  accessor,
  displayName: "token-ci",
  policies: ["default", "app-read"],
  tokenPolicies: ["default", "app-read"],
  metadata: { team: "payments" },
  tokenType: "service",
  ttlSeconds: 2764800,
  issueTime: new Date("2025-06-05T15:00:00.5Z"),
  policyResults: { allowed: true, grantingPolicies: [{ name: "app-read", namespaceId: "root", type: "acl" }] },
};
const request = {
  id: "19073d8c-7567-7ee9-1144-c8ce601ec79d",
  operation: "update" as const,
  mountPoint: "secret/",
  mountType: "kv",
  mountAccessor: "kv_1a2b3c4d",
  clientToken: token,
  clientTokenAccessor: accessor,
  path: "secret/data/app",
  data: { data: { password: "s3cr3t<&>", port: 5432, enabled: true, none: null, tags: ["a", "b"] }, options: { cas: 3 } },
  remoteAddress: "127.0.0.1",
  remotePort: 52814,
  headers: { "X-Correlation-Id": "abc-123", authorization: "Bearer nope", "x-vault-token": token },
};

describe("AuditFormatter: the request line", () => {
  it("is byte for byte the line Vault's audit/types.go + entry_formatter.go write (time first, then struct field order, maps sorted)", () => {
    const line = formatter().line({ type: "request", auth, request });
    // Field order: hashicorp/vault audit/types.go (entry: time, auth, error, forwarded,
    // forwarded_from, request, response, type; auth, request: as declared); data map keys sorted
    // (encoding/json); omitempty drops empty fields; HTML characters escaped by encoding/json.
    const expected =
      `{"time":"2025-06-05T16:10:22.292Z",` +
      `"auth":{"accessor":"${h(accessor)}","client_token":"${h(token)}","display_name":"token-ci",` +
      `"metadata":{"team":"payments"},"policies":["default","app-read"],` +
      `"policy_results":{"allowed":true,"granting_policies":[{"name":"app-read","namespace_id":"root","type":"acl"}]},` +
      `"token_policies":["default","app-read"],"token_issue_time":"2025-06-05T15:00:00Z","token_ttl":2764800,"token_type":"service"},` +
      `"request":{"client_token":"${h(token)}","client_token_accessor":"${h(accessor)}",` +
      `"data":{"data":{"enabled":true,"none":null,"password":"${h("s3cr3t<&>")}","port":5432,"tags":["${h("a")}","${h("b")}"]},"options":{"cas":3}},` +
      `"headers":{"x-correlation-id":["abc-123"]},"id":"19073d8c-7567-7ee9-1144-c8ce601ec79d",` +
      `"mount_accessor":"kv_1a2b3c4d","mount_point":"secret/","mount_type":"kv","namespace":{"id":"root"},` +
      `"operation":"update","path":"secret/data/app","remote_address":"127.0.0.1","remote_port":52814},` +
      `"type":"request"}\n`;
    expect(line).toBe(expected);
  });

  it("gives an unauthenticated request Vault's {\"token_type\":\"default\"} auth (issue hashicorp/vault#7716's login line)", () => {
    const entry = JSON.parse(formatter().line({ type: "request", request: { id: "r1", operation: "update", path: "auth/jwt/login", data: { role: "ci", jwt: "eyJ.x.y" } } })) as Record<string, unknown>;
    expect(entry.auth).toEqual({ token_type: "default" });
    expect(entry.request).toEqual({ data: { jwt: h("eyJ.x.y"), role: h("ci") }, id: "r1", namespace: { id: "root" }, operation: "update", path: "auth/jwt/login" });
  });

  it("leaves accessors plain with hmac_accessor=false, tokens still hashed", () => {
    const entry = JSON.parse(formatter({ hmacAccessor: false }).line({ type: "request", auth, request })) as { auth: Record<string, unknown>; request: Record<string, unknown> };
    expect(entry.auth.accessor).toBe(accessor);
    expect(entry.request.client_token_accessor).toBe(accessor);
    expect(entry.auth.client_token).toBe(h(token));
  });

  it("writes timestamps (Date values) plain as RFC3339Nano, and hashes strings that merely look like dates", () => {
    const entry = JSON.parse(
      formatter().line({ type: "request", request: { id: "r", operation: "update", path: "p", data: { at: new Date("2025-01-02T03:04:05.120Z"), s: "2025-01-02T03:04:05Z" } } }),
    ) as { request: { data: Record<string, unknown> } };
    expect(entry.request.data).toEqual({ at: "2025-01-02T03:04:05.12Z", s: h("2025-01-02T03:04:05Z") });
  });

  it("escapes <, > and & as encoding/json does (\\u003c, \\u003e, \\u0026)", () => {
    const line = formatter().line({ type: "request", auth: { displayName: "a<b&c>" }, request: { id: "r", operation: "read", path: "p" } });
    expect(line).toContain(String.raw`"display_name":"a\u003cb\u0026c\u003e"`);
  });

  it("sorts data map keys bytewise as Go does, numeric-looking keys included", () => {
    const line = formatter().line({ type: "request", request: { id: "r", operation: "update", path: "p", data: { "9": 1, "10": 2, b: 3, A: 4 } } });
    expect(line).toContain(`"data":{"10":2,"9":1,"A":4,"b":3}`);
  });
});

describe("AuditFormatter: the response line", () => {
  const event: AuditEvent = {
    type: "response",
    auth,
    request: { ...request, operation: "read", data: undefined },
    response: { data: { data: { password: "s3cr3t" }, metadata: { created_time: new Date("2025-06-05T16:00:00Z"), version: 4, destroyed: false } } },
  };

  it("shares the request id and carries the request's mount, data hashed, in types.go order", () => {
    const entry = JSON.parse(formatter().line(event)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(entry)).toEqual(["time", "auth", "request", "response", "type"]);
    expect(entry.request!.id).toBe(request.id);
    expect(entry.response).toEqual({
      data: { data: { password: h("s3cr3t") }, metadata: { created_time: "2025-06-05T16:00:00Z", destroyed: false, version: 4 } },
      mount_accessor: "kv_1a2b3c4d",
      mount_point: "secret/",
      mount_type: "kv",
    });
    expect(Object.keys(entry.response!)).toEqual(["data", "mount_accessor", "mount_point", "mount_type"]);
  });

  it("hashes a login's new token and accessor in response.auth and wrap_info's token", () => {
    const entry = JSON.parse(
      formatter().line({
        type: "response",
        request: { id: "r", operation: "update", path: "auth/jwt/login", mountType: "jwt" },
        response: {
          auth: { clientToken: "hvs.new", accessor: "acc.new", displayName: "jwt-ci", policies: ["ci"], tokenType: "service", ttlSeconds: 600 },
          wrapInfo: { token: "hvs.wrap", accessor: "acc.wrap", ttlSeconds: 60, creationTime: new Date("2025-06-05T16:00:00Z"), creationPath: "auth/jwt/login" },
        },
      }),
    ) as { response: { auth: Record<string, unknown>; wrap_info: Record<string, unknown> } };
    expect(entry.response.auth).toEqual({ accessor: h("acc.new"), client_token: h("hvs.new"), display_name: "jwt-ci", policies: ["ci"], token_ttl: 600, token_type: "service" });
    expect(entry.response.wrap_info).toEqual({ accessor: h("acc.wrap"), creation_path: "auth/jwt/login", creation_time: "2025-06-05T16:00:00Z", token: h("hvs.wrap"), ttl: 60 });
  });

  it("elides a list response's keys to their count with elide_list_responses (OpenBao docs/audit example)", () => {
    const entry = JSON.parse(
      formatter({ elideListResponses: true }).line({ type: "response", request: { id: "r", operation: "list", path: "secret/metadata/" }, response: { data: { keys: ["a", "b/", "c", "d"] } } }),
    ) as { response: { data: unknown } };
    expect(entry.response.data).toEqual({ keys: 4 });
  });
});

describe("against published Vault audit lines", () => {
  // A request line published by HashiCorp (support article "Audit and Operational Log Details",
  // the 2023 `vault login` example, Vault 1.13), as far as the article shows it (values as published).
  const vaultRequest = {
    time: "2023-04-17T19:48:58.238208382Z",
    type: "request",
    auth: {
      client_token: "hmac-sha256:114e72599d41f7d14c7fc2ba495757195e98d0947405421f7b3be37b94e7f363",
      accessor: "hmac-sha256:23e9a5bc2a3538252c1d1e8d686267a3ff81730db0da31530863a2760d6771c8",
      display_name: "token",
      policies: ["default", "sudo", "surf-admin"],
      token_policies: ["default", "sudo", "surf-admin"],
      policy_results: { allowed: true, granting_policies: [{ name: "default", namespace_id: "root", type: "acl" }] },
      metadata: { loglevel: "raw", remote: "false", surf: "moderate" },
      token_type: "service",
      token_ttl: 2764800,
      token_issue_time: "2023-04-17T12:47:22-07:00",
    },
    request: {
      id: "19073d8c-7567-7ee9-1144-c8ce601ec79d",
      operation: "read",
      mount_type: "token",
      client_token: "hmac-sha256:792e3d0261eb8c9ce67afe2ff675da2d8e88703cf6a4d66307ac2117dbdd0eaa",
      client_token_accessor: "hmac-sha256:23e9a5bc2a3538252c1d1e8d686267a3ff81730db0da31530863a2760d6771c8",
      namespace: { id: "root" },
      path: "auth/token/lookup-self",
      remote_address: "172.17.0.1",
    },
  };

  it("our line for the same request has exactly Vault's field names, nesting, and hashed/plain split", () => {
    const ours = JSON.parse(
      formatter().line({
        type: "request",
        auth: {
          clientToken: "t",
          accessor: "a",
          displayName: "token",
          policies: ["default", "sudo", "surf-admin"],
          tokenPolicies: ["default", "sudo", "surf-admin"],
          policyResults: { allowed: true, grantingPolicies: [{ name: "default", namespaceId: "root", type: "acl" }] },
          metadata: { loglevel: "raw", remote: "false", surf: "moderate" },
          tokenType: "service",
          ttlSeconds: 2764800,
          issueTime: new Date("2023-04-17T19:47:22Z"),
        },
        request: { id: "19073d8c-7567-7ee9-1144-c8ce601ec79d", operation: "read", mountType: "token", clientToken: "t", clientTokenAccessor: "a", path: "auth/token/lookup-self", remoteAddress: "172.17.0.1" },
      }),
    ) as typeof vaultRequest;
    const shape = (v: unknown): unknown =>
      typeof v === "string" ? (v.startsWith("hmac-sha256:") ? "hmac" : "plain") : Array.isArray(v) ? v.map(shape) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]).sort()) : typeof v;
    expect(shape(ours)).toEqual(shape(vaultRequest));
    expect(AuditEntrySchema.safeParse(vaultRequest).success).toBe(true);
    expect(AuditEntrySchema.safeParse(ours).success).toBe(true);
  });
});
