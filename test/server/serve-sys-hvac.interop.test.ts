import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { startAuditedServe, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac 0.11) against the system backend of `secrets serve`: its
 * `sys` policy functions (create_or_update_policy, read_policy, list_policies, delete_policy, a
 * dict policy sent as JSON), get_capabilities (self, and with a token), calculate_hash, the
 * refusal of enable_audit_device, and read_leader_status. hvac returns the parsed body of a 200
 * and the response object of a 204; a 400 raises InvalidRequest with Vault's error list.
 */

const SCRIPT = String.raw`
import json, os, hvac
out = {}
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
hcl = 'path "secret/data/deploy/*" {\n  capabilities = ["read", "list"]\n}\n'
out["create"] = c.sys.create_or_update_policy(name="deploy", policy=hcl).status_code
out["create_dict"] = c.sys.create_or_update_policy(name="from-dict", policy={"path": {"secret/data/dict/*": {"capabilities": ["update"]}}}).status_code
read = c.sys.read_policy(name="deploy")
out["read"] = [read["name"], read["rules"], read["data"]["rules"]]
out["list"] = c.sys.list_policies()["policies"]
out["caps_self"] = c.sys.get_capabilities(paths=["secret/data/deploy/x"])["capabilities"]
out["delete"] = c.sys.delete_policy(name="from-dict").status_code
out["list_after"] = c.sys.list_policies()["data"]["keys"]
try:
    c.sys.create_or_update_policy(name="root", policy=hcl)
except hvac.exceptions.InvalidRequest as e:
    out["root"] = e.errors
out["hash"] = c.sys.calculate_hash(path="file", input_to_hash=os.environ["VAULT_TOKEN"])["hash"]
out["audit"] = c.sys.list_enabled_audit_devices()["file/"]["type"]
try:
    c.sys.enable_audit_device(device_type="file", path="elsewhere", options={"file_path": "/tmp/elsewhere.log"})
except hvac.exceptions.InvalidRequest as e:
    out["enable_audit"] = e.errors
out["leader"] = c.sys.read_leader_status()
print(json.dumps(out))
`;

let sb: Sandbox;
let served: Served;
let auditFile: string;

beforeAll(async () => {
  ({ sb, served, auditFile } = await startAuditedServe());
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

describe("hvac sys", () => {
  it("policies, capabilities, audit hash and devices, leader", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken! }, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    const hcl = 'path "secret/data/deploy/*" {\n  capabilities = ["read", "list"]\n}\n';
    expect([out.create, out.create_dict, out.delete]).toEqual([204, 204, 204]);
    expect(out.read).toEqual(["deploy", hcl, hcl]);
    expect(out.list).toEqual(["default", "deploy", "from-dict", "root"]);
    expect(out.list_after).toEqual(["default", "deploy", "root"]);
    expect(out.caps_self).toEqual(["root"]);
    expect(out.root).toEqual(['cannot update "root" policy']);
    // hvac sends the dict pretty-printed (indent 4, sorted keys): stored as sent, and it parses as Vault's JSON form.
    expect(sb.git("show", "HEAD~1:.secrets/policies/from-dict.hcl")).toBe(JSON.stringify({ path: { "secret/data/dict/*": { capabilities: ["update"] } } }, null, 4));
    expect(sb.git("log", "-3", "--format=%s").trim().split("\n")).toEqual(["delete policy from-dict", "write policy from-dict", "write policy deploy"]);
    const lines = readFileSync(auditFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { auth?: { client_token?: string } });
    expect(lines.some((l) => l.auth?.client_token === out.hash)).toBe(true);
    expect(out.audit).toBe("file");
    expect(out.enable_audit).toEqual(["cannot enable audit device via API; use declarative, config-based audit device management instead"]);
    expect(out.leader).toEqual({ ha_enabled: false, is_self: false, active_time: "0001-01-01T00:00:00Z", leader_address: "", leader_cluster_address: "", performance_standby: false, performance_standby_last_remote_wal: 0 });
  });
});
