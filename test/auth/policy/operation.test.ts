// HTTP method → Vault logical operation (vault/http/logical.go buildLogicalRequestNoAuth), and
// the denied answer (vault/request_handling.go, sdk/logical RespondError).
import { describe, expect, it } from "vitest";
import {
  compileAcl,
  operationForHttp,
  parsePolicy,
  PERMISSION_DENIED_BODY,
  PERMISSION_DENIED_ERROR,
  parseDurationSeconds,
} from "../../../src/auth/policy/index.js";

describe("operationForHttp", () => {
  it.each([
    [{ method: "GET" }, { operation: "read" }],
    [{ method: "GET", list: "true" }, { operation: "list" }],
    [{ method: "GET", list: "True" }, { operation: "list" }],
    [{ method: "GET", list: "1" }, { operation: "list" }],
    [{ method: "GET", list: "t" }, { operation: "list" }],
    [{ method: "GET", list: "false" }, { operation: "read" }],
    [{ method: "GET", list: "F" }, { operation: "read" }],
    [{ method: "GET", list: "" }, { operation: "read" }],
    [{ method: "GET", list: "yes" }, { status: 400 }],
    [{ method: "LIST" }, { operation: "list" }],
    [{ method: "POST" }, { operation: "update" }],
    [{ method: "PUT", exists: true }, { operation: "update" }],
    [{ method: "PUT", exists: false }, { operation: "create" }],
    [{ method: "POST", exists: false }, { operation: "create" }],
    [{ method: "PATCH" }, { operation: "patch" }],
    [{ method: "DELETE" }, { operation: "delete" }],
    [{ method: "TRACE" }, { status: 405 }],
  ])("%j → %j", (input, expected) => {
    expect(operationForHttp(input)).toEqual(expected);
  });
});

describe("a denied request", () => {
  it("carries Vault's 403 body", async () => {
    const acl = compileAcl([await parsePolicy("p", 'path "secret/data/app" { capabilities = ["read"] }')]);
    const d = acl.allows("update", "secret/data/app");
    expect(d).toMatchObject({ allowed: false, status: 403, message: "permission denied" });
    expect(PERMISSION_DENIED_ERROR).toBe("1 error occurred:\n\t* permission denied\n\n");
    expect(PERMISSION_DENIED_BODY).toBe('{"errors":["1 error occurred:\\n\\t* permission denied\\n\\n"]}\n');
    expect(JSON.parse(PERMISSION_DENIED_BODY)).toEqual({ errors: [PERMISSION_DENIED_ERROR] });
  });

  it("sudo-protected paths need sudo", async () => {
    const acl = compileAcl([await parsePolicy("p", 'path "sys/audit" { capabilities = ["read"] }\npath "sys/audit/*" { capabilities = ["update", "sudo"] }')]);
    expect(acl.allows("read", "sys/audit", {}, { sudoRequired: true }).allowed).toBe(false);
    expect(acl.allows("update", "sys/audit/file", {}, { sudoRequired: true })).toEqual({ allowed: true, sudo: true, root: false });
  });
});

describe("parseDurationSeconds (parseutil.ParseDurationSecond)", () => {
  it.each([
    [300, 300],
    ["300", 300],
    ["5m", 300],
    ["1h30m", 5400],
    ["1.5s", 1.5],
    ["2d", 172800],
    ["", 0],
  ])("%j → %s", (input, seconds) => {
    expect(parseDurationSeconds(input)).toEqual({ seconds });
  });
  it("refuses Go's way", () => {
    expect(parseDurationSeconds("5")).toEqual({ seconds: 5 });
    expect(parseDurationSeconds("1.5")).toEqual({ error: 'time: missing unit in duration "1.5"' });
    expect(parseDurationSeconds("abc")).toEqual({ error: 'time: invalid duration "abc"' });
  });
});
