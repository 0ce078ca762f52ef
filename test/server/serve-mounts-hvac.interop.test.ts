import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, startServe, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac 0.11) managing mounts on `secrets serve`: the sys backend's
 * list_mounted_secrets_engines, enable_secrets_engine, read_mount_configuration,
 * tune_mount_configuration and disable_secrets_engine, and its KV version 1 client
 * (secrets.kv.v1: create_or_update_secret reads first and POSTs on InvalidPath, PUTs otherwise;
 * list_secrets sends LIST).
 */

const SCRIPT = String.raw`
import json, os, hvac
out = {}
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
mounts = c.sys.list_mounted_secrets_engines()
out["listed"] = sorted(mounts["data"].keys())
out["top_level"] = mounts["secret/"] == mounts["data"]["secret/"]
out["secret_options"] = mounts["data"]["secret/"]["options"]
out["enable"] = c.sys.enable_secrets_engine("kv", path="hv1", description="hvac's", options={"version": "1"}).status_code
out["listed_after"] = "hv1/" in c.sys.list_mounted_secrets_engines()["data"]
out["hv1_options"] = c.sys.list_mounted_secrets_engines()["data"]["hv1/"]["options"]
kv1 = c.secrets.kv.v1
out["create"] = kv1.create_or_update_secret(path="app", secret={"password": os.environ["V1"]}, mount_point="hv1").status_code
out["update"] = kv1.create_or_update_secret(path="app", secret={"password": os.environ["V2"], "ttl": "10m"}, mount_point="hv1").status_code
kv1.create_or_update_secret(path="team/db", secret={"user": "u"}, mount_point="hv1")
read = kv1.read_secret(path="app", mount_point="hv1")
out["read"] = [read["data"], read["lease_duration"], read["lease_id"], read["renewable"]]
out["list"] = kv1.list_secrets(path="", mount_point="hv1")["data"]["keys"]
out["list_team"] = kv1.list_secrets(path="team", mount_point="hv1")["data"]["keys"]
out["delete"] = kv1.delete_secret(path="app", mount_point="hv1").status_code
try:
    kv1.read_secret(path="app", mount_point="hv1")
except hvac.exceptions.InvalidPath as e:
    out["after_delete"] = ["InvalidPath", e.errors]
tune = c.sys.read_mount_configuration(path="hv1")
out["tune_read"] = [tune["data"]["default_lease_ttl"], tune["data"]["max_lease_ttl"], tune["data"]["description"]]
out["tune"] = c.sys.tune_mount_configuration(path="hv1", default_lease_ttl="1h").status_code
out["tuned"] = c.sys.read_mount_configuration(path="hv1")["data"]["default_lease_ttl"]
try:
    c.sys.enable_secrets_engine("kv", path="hv1")
except hvac.exceptions.UnexpectedError as e:
    out["again"] = ["UnexpectedError", str(e)]
try:
    c.sys.enable_secrets_engine("transit", path="tr")
except hvac.exceptions.InvalidRequest as e:
    out["unknown"] = ["InvalidRequest", e.errors]
out["disable"] = c.sys.disable_secrets_engine(path="hv1").status_code
out["listed_gone"] = "hv1/" in c.sys.list_mounted_secrets_engines()["data"]
print(json.dumps(out))
`;

const V1 = "hvac-v1-first";
const V2 = "hvac-v1-second";
let sb: Sandbox;
let served: Served;

beforeAll(async () => {
  sb = await buildFixture();
  // The creation rule covers the folder of API-made mounts (kv/<path>).
  writeFileSync(sb.path(".sops.yaml"), readFileSync(sb.path(".sops.yaml"), "utf8").replace('"(^|/)secrets/"', '"(^|/)(secrets|kv)/"'));
  sb.git("commit", "-q", "-am", "rule for kv/");
  served = await startServe(sb);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

describe("hvac: sys mounts and KV version 1", () => {
  it("lists, enables, writes/reads/lists/deletes through kv.v1, tunes, refuses, disables; each change a commit", () => {
    const start = Number(sb.git("rev-list", "--count", "HEAD").trim());
    const r = spawnSync("/usr/bin/python3", ["-c", SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken!, V1, V2 }, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.listed).toEqual(["cubbyhole/", "identity/", "secret/", "sys/"]);
    expect(out.top_level).toBe(true);
    expect(out.secret_options).toEqual({ version: "2" });
    expect([out.enable, out.listed_after, out.hv1_options]).toEqual([204, true, { version: "1" }]);
    expect([out.create, out.update]).toEqual([204, 204]);
    expect(out.read).toEqual([{ password: V2, ttl: "10m" }, 600, "", false]);
    expect(out.list).toEqual(["app", "team/"]);
    expect(out.list_team).toEqual(["db"]);
    expect(out.delete).toBe(204);
    expect(out.after_delete).toEqual(["InvalidPath", []]);
    expect(out.tune_read).toEqual([2764800, 2764800, "hvac's"]);
    expect([out.tune, out.tuned]).toEqual([204, 3600]);
    // Vault's 409, which hvac 0.11 has no exception class for (utils.raise_for_error).
    expect(out.again[0]).toBe("UnexpectedError");
    expect(out.again[1]).toContain("path is already in use at hv1/");
    expect(out.unknown).toEqual(["InvalidRequest", ["plugin not found in the catalog: transit"]]);
    expect([out.disable, out.listed_gone]).toEqual([204, false]);
    // enable, 3 writes, delete, tune, disable: 7 commits, none naming a value.
    const log = sb.git("log", "--format=%an|%s", `-${7}`).trim().split("\n");
    expect(Number(sb.git("rev-list", "--count", "HEAD").trim()) - start).toBe(7);
    expect(log).toEqual([
      "root|sys/mounts: disable hv1/ (the files of kv/hv1 stay)",
      "root|sys/mounts: tune hv1/",
      "root|delete hv1/app (version 2)",
      "root|write hv1/team/db (version 1)",
      "root|write hv1/app (version 2)",
      "root|write hv1/app (version 1)",
      "root|sys/mounts: enable hv1/ (kv version 1, folder kv/hv1)",
    ]);
    expect(sb.git("log", "--format=%B", "-7")).not.toMatch(new RegExp(`${V1}|${V2}`));
  });
});
