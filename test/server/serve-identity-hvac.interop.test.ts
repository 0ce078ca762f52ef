import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac 0.11, for /usr/bin/python3: test/interop/programs.mjs
 * checks it) against `secrets serve`'s identity/ mount: `secrets.identity.generate_signed_id_token`
 * and `read_active_public_keys`, before and after a rotation through the API. The JWTs hvac
 * fetched verify with jose against the JWKS hvac fetched. (hvac 0.11's `rotate_named_key` posts
 * to `oidc/key/<name>`, not `…/rotate`; the rotation is a raw request.)
 */

const SCRIPT = String.raw`
import json, os, hvac
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
r = c.secrets.identity.generate_signed_id_token(name="ci")
print(json.dumps({"data": r["data"], "mount_type": r["mount_type"], "keys": c.secrets.identity.read_active_public_keys()}))
`;

const sb = new Sandbox();
let served: Served;

function hvac(): { data: { token: string; client_id: string; ttl: number }; mount_type: string; keys: JSONWebKeySet } {
  const r = spawnSync("/usr/bin/python3", ["-c", SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken! }, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as ReturnType<typeof hvac>;
}

beforeAll(async () => {
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/identity/oidc/key/\n    age: ${recipient}\n`);
  await sb.ok(["jwt", "key", "create", "main", "--algorithm", "ES256"]);
  mkdirSync(sb.path(".secrets/engines/identity/oidc/role"), { recursive: true });
  writeFileSync(sb.path(".secrets/engines/identity/oidc/role/ci.yaml"), "key: main\nttl: 5m\nclient_id: ci-audience\n");
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "identity");
  served = await startServe(sb);
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb.cleanup();
});

describe("hvac: identity OIDC tokens", () => {
  it("generate_signed_id_token and read_active_public_keys; the tokens verify with jose before and after a rotation", async () => {
    const first = hvac();
    expect(first.mount_type).toBe("identity");
    expect(first.data).toMatchObject({ client_id: "ci-audience", ttl: 300 });
    const issuer = `${served.url}/v1/identity/oidc`;
    await jwtVerify(first.data.token, createLocalJWKSet(first.keys), { issuer, audience: "ci-audience", algorithms: ["ES256"] });
    const rotated = await raw("POST", `${served.url}/v1/identity/oidc/key/main/rotate`, { "x-vault-token": served.rootToken!, "content-type": "application/json" }, "{}");
    expect(rotated.status).toBe(204);
    const second = hvac();
    expect(decodeProtectedHeader(second.data.token).kid).not.toBe(decodeProtectedHeader(first.data.token).kid);
    await jwtVerify(first.data.token, createLocalJWKSet(second.keys), { issuer, audience: "ci-audience" });
    await jwtVerify(second.data.token, createLocalJWKSet(second.keys), { issuer, audience: "ci-audience" });
  });
});
