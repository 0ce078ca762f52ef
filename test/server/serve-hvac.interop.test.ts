import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac, for /usr/bin/python3: test/interop/programs.mjs checks it)
 * against `secrets serve`, started as a process. hvac reads an error list only from a response
 * whose Content-Type is application/json, parses a body only for 200, raises on any 404, sends
 * LIST for `list_secrets` and `GET ?list=True` for its generic `list`, and HEAD for
 * `read_health_status()`.
 */

const SCRIPT = String.raw`
import json, os, hvac
out = {}
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
out["authenticated"] = c.is_authenticated()
out["health_head"] = c.sys.read_health_status().status_code
out["health"] = c.sys.read_health_status(method="GET")
out["seal"] = c.sys.read_seal_status()
out["lookup"] = c.auth.token.lookup_self()["data"]["policies"]
out["current"] = c.secrets.kv.v2.read_secret_version(path="app")["data"]
out["v1"] = c.secrets.kv.v2.read_secret_version(path="app", version=1)["data"]
out["meta"] = c.secrets.kv.v2.read_secret_metadata(path="app")["data"]["current_version"]
out["list"] = c.secrets.kv.v2.list_secrets(path="")["data"]["keys"]
out["list_team"] = c.secrets.kv.v2.list_secrets(path="team")["data"]["keys"]
out["generic_list"] = c.list("secret/metadata")["data"]["keys"]
out["config"] = c.secrets.kv.v2.read_configuration()["data"]
try:
    c.secrets.kv.v2.read_secret_version(path="nope")
except hvac.exceptions.InvalidPath as e:
    out["missing"] = ["InvalidPath", e.errors]
bad = hvac.Client(url=os.environ["VAULT_ADDR"], token="hvs.nope")
try:
    bad.secrets.kv.v2.read_secret_version(path="app")
except hvac.exceptions.Forbidden as e:
    out["forbidden"] = ["Forbidden", e.errors]
print(json.dumps(out))
`;

/**
 * The token API and the cubbyhole through hvac: `auth.token.create`, `lookup`, the legacy
 * `renew_self_token()` (which sends `"increment": null`), `revoke_self_token()` (PUT), the legacy
 * `create_token()` (which sends `"renewable": null`: Vault reads that as false), and the generic
 * `write`/`read` on `cubbyhole/`. The legacy methods warn that they are deprecated: their output
 * is dropped here, so that stderr holds only real failures.
 */
const TOKEN_SCRIPT = String.raw`
import json, os, warnings, hvac
# hvac's deprecated_method re-enables its warning on every call (simplefilter "always"): drop its output instead.
warnings.showwarning = lambda *args, **kwargs: None
out = {}
url = os.environ["VAULT_ADDR"]
c = hvac.Client(url=url, token=os.environ["VAULT_TOKEN"])
made = c.auth.token.create(policies=["default"], ttl="1h", meta={"team": "a"})
auth = made["auth"]
out["create_keys"] = list(auth.keys())
out["create"] = {k: auth[k] for k in ("policies", "token_policies", "metadata", "lease_duration", "renewable", "orphan", "token_type", "num_uses")}
t = auth["client_token"]
out["lookup"] = c.auth.token.lookup(t)["data"]["accessor"] == auth["accessor"]
child = hvac.Client(url=url, token=t)
out["renew"] = child.renew_self_token()["auth"]["lease_duration"]
out["renew_token_is_self"] = child.renew_self_token()["auth"]["client_token"] == t
child.write("cubbyhole/note", secret="cubby-hvac-value")
out["cubby"] = child.read("cubbyhole/note")["data"]
out["cubby_other"] = c.read("cubbyhole/note")
out["cubby_list"] = child.list("cubbyhole")["data"]["keys"]
child.revoke_self_token()
try:
    child.lookup_token()
except hvac.exceptions.Forbidden as e:
    out["after_revoke"] = ["Forbidden", e.errors]
legacy = c.create_token(policies=["default"], ttl="1h")["auth"]
out["legacy_renewable"] = legacy["renewable"]
out["tokens"] = [t, legacy["client_token"]]
print(json.dumps(out))
`;

let sb: Sandbox;
let served: Served;

beforeAll(async () => {
  sb = await buildFixture();
  served = await startServe(sb);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

describe("hvac", () => {
  it("health, seal-status, lookup-self, KV v2 reads, versions, metadata, lists, 404 and 403", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken! }, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.authenticated).toBe(true);
    expect(out.health_head).toBe(200);
    expect(out.health).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(out.seal).toMatchObject({ sealed: false, type: "shamir" });
    expect(out.lookup).toEqual(["root"]);
    expect(out.current.data).toEqual({ n: 3, password: VALUES[1] });
    expect(out.current.metadata.version).toBe(2);
    expect(out.v1.data.password).toBe(VALUES[0]);
    expect(out.meta).toBe(2);
    expect(out.list).toEqual(["app", "team/"]);
    expect(out.list_team).toEqual(["db"]);
    expect(out.generic_list).toEqual(["app", "team/"]);
    expect(out.config).toEqual({ cas_required: false, delete_version_after: "0s", max_versions: 0 });
    expect(out.missing).toEqual(["InvalidPath", []]);
    expect(out.forbidden).toEqual(["Forbidden", ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]]);
  });
});

describe("hvac: tokens and the cubbyhole", () => {
  it("create, lookup, renew with increment=None, cubbyhole write/read (private), revoke-self (PUT)", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", TOKEN_SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken! }, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.create_keys).toEqual(["client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type", "orphan", "mfa_requirement", "num_uses"]);
    expect(out.create).toEqual({ policies: ["default"], token_policies: ["default"], metadata: { team: "a" }, lease_duration: 3600, renewable: true, orphan: false, token_type: "service", num_uses: 0 });
    expect(out.lookup).toBe(true);
    expect(out.renew).toBe(3600);
    expect(out.renew_token_is_self).toBe(true);
    expect(out.cubby).toEqual({ secret: "cubby-hvac-value" });
    expect(out.cubby_other).toBeNull();
    expect(out.cubby_list).toEqual(["note"]);
    expect(out.after_revoke).toEqual(["Forbidden", ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]]);
    expect(out.legacy_renewable).toBe(false);
    for (const t of out.tokens as string[]) expect(t).toMatch(/^hvs\./);
  });
});
