import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION_DENIED_BODY, PERMISSION_DENIED_ERROR } from "../../src/auth/policy/index.js";
import type { TokenAuthority, TokenInfo } from "../../src/auth/tokens/authority.js";
import { SecretsError } from "../../src/errors.js";
import { listen, type RunningServer } from "../../src/server/http.js";
import { openServer } from "../../src/server/open.js";
import { INTERNAL_ERROR_BODY } from "../../src/server/vault-errors.js";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, VALUES } from "./serve-helpers.js";

/**
 * The ACL in front of every route, with a token of limited policies (a stand-in for the token
 * stores built elsewhere, behind the same TokenAuthority interface) and a policy file in the
 * repository's `.secrets/policies/`. The server runs in-process here, so that the token store can
 * be swapped; the clients are still the real ones, over HTTP. The denied body is Vault's
 * (vault/request_handling.go: a one-error multierror, PERMISSION_DENIED_BODY).
 */

const require = createRequire(import.meta.url);
const READER = "reader-token-0123456789";
const reader: TokenInfo = { accessor: "acc-reader", displayName: "token-reader", policies: ["default", "reader"], creationTime: 1_700_000_000, expireTime: 4_000_000_000, creationTtl: 3600, renewable: true, origin: "repository", meta: {} };
const stub: TokenAuthority = { lookup: (t) => Promise.resolve(t === READER ? reader : null) };

let sb: Sandbox;
let server: RunningServer;
let failing: RunningServer;

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/reader.hcl"), 'path "secret/data/team/*" {\n  capabilities = ["read"]\n}\npath "secret/metadata/*" {\n  capabilities = ["list"]\n}\n');
  const opened = await openServer({ cwd: sb.repo, env: sb.env, stateDir: sb.path("..", "state"), tokenAuthorities: [stub] });
  server = await listen({ listen: { host: "127.0.0.1", port: 0 }, context: opened.context });
  const broken = {
    path: "file",
    log: () => Promise.reject(new SecretsError("write-output", "could not write the audit log")),
    auditHash: () => ({ hash: "" }),
    reopen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  failing = await listen({ listen: { host: "127.0.0.1", port: 0 }, context: { ...opened.context, audit: broken } });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await failing?.close();
  sb?.cleanup();
});

describe("ACL", () => {
  it("a path the policies do not grant: 403 with Vault's exact body (raw and node-vault)", async () => {
    const r = await raw("GET", `${server.url}/v1/secret/data/app`, { "X-Vault-Token": READER });
    expect([r.status, r.body, r.headers["content-type"]]).toEqual([403, PERMISSION_DENIED_BODY, "application/json"]);
    const err = await require("node-vault")({ endpoint: server.url, token: READER })
      .read("secret/data/app")
      .catch((e: Error & { response: { statusCode: number } }) => e);
    expect([err.response.statusCode, err.message]).toEqual([403, PERMISSION_DENIED_ERROR]);
  });

  it("granted paths answer; list is granted separately from read", async () => {
    const vault = require("node-vault")({ endpoint: server.url, token: READER });
    expect((await vault.read("secret/data/team/db")).data.data).toEqual({ user: VALUES[2] });
    const { default: Vault } = await import("hashi-vault-js");
    const hv = new Vault({ https: false, baseUrl: `${server.url}/v1`, timeout: 10_000 });
    expect(((await hv.listKVSecrets(READER, "team")) as { keys: string[] }).keys).toEqual(["db"]);
    const meta = await raw("GET", `${server.url}/v1/secret/metadata/team/db`, { "X-Vault-Token": READER });
    expect([meta.status, meta.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });

  it("the default policy: lookup-self by GET (read); a POST is `update`, which it does not grant", async () => {
    const get = await raw("GET", `${server.url}/v1/auth/token/lookup-self`, { "X-Vault-Token": READER });
    expect(get.status).toBe(200);
    const data = JSON.parse(get.body).data;
    expect(data).toMatchObject({ display_name: "token-reader", policies: ["default", "reader"], renewable: true, creation_time: 1_700_000_000, path: "auth/token/create" });
    expect(data.ttl).toBeGreaterThan(0);
    const post = await raw("POST", `${server.url}/v1/auth/token/lookup-self`, { "X-Vault-Token": READER }, "{}");
    expect([post.status, post.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });

  it("an unknown route is denied before it is looked up for a token without a grant", async () => {
    const r = await raw("GET", `${server.url}/v1/nope/x`, { "X-Vault-Token": READER });
    expect([r.status, r.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });
});

describe("audit", () => {
  it("a request whose audit line cannot be written fails with 500 before it is handled", async () => {
    const r = await raw("GET", `${failing.url}/v1/secret/data/team/db`, { "X-Vault-Token": READER });
    expect([r.status, r.body]).toEqual([500, INTERNAL_ERROR_BODY]);
    expect(r.body).not.toContain(VALUES[2]);
  });
});
