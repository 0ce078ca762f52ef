import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSION_DENIED_BODY } from "../../src/auth/policy/index.js";
import type { TokenAuthority, TokenInfo } from "../../src/auth/tokens/authority.js";
import { listen, type RunningServer } from "../../src/server/http.js";
import { openServer } from "../../src/server/open.js";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw } from "./serve-helpers.js";

/**
 * Writes by a token of limited policies (in-process server, so that the token store can be
 * swapped, as serve-acl.test.ts does): the commit's author is the token's display name, and a
 * POST/PUT is `create` when the key does not exist and `update` when it does, as Vault's existence
 * check decides before the ACL (vault/request_handling.go; vault-plugin-secrets-kv path_data.go
 * dataExistenceCheck, path_metadata.go metadataExistenceCheck: whether the key's metadata exists).
 */

const CI = "ci-token-0123456789";
const ci: TokenInfo = { accessor: "acc-ci", displayName: "token-ci", policies: ["default", "ci"], creationTime: 1_700_000_000, expireTime: 4_000_000_000, creationTtl: 3600, renewable: true, origin: "repository", meta: {} };
const LIMITED = "limited-token-0123456789";
const limited: TokenInfo = { ...ci, accessor: "acc-limited", displayName: "token-limited", policies: ["default", "limited"] };
const stub: TokenAuthority = { lookup: (t) => Promise.resolve(t === CI ? ci : t === LIMITED ? limited : null) };

/** Parameter rules (vault/acl.go AllowOperation), checked against the body of a write and the query of a read. */
const LIMITED_POLICY = `path "secret/metadata/lim/*" {
  capabilities = ["create", "update"]
  allowed_parameters = { "max_versions" = [] }
}
path "secret/data/lim/*" {
  capabilities = ["create", "update"]
  denied_parameters = { "options" = [] }
  required_parameters = ["data"]
}
path "secret/data/app" {
  capabilities = ["read"]
  allowed_parameters = { "version" = ["1"] }
}
`;

let sb: Sandbox;
let server: RunningServer;

beforeAll(async () => {
  sb = await buildFixture();
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/ci.hcl"), 'path "secret/data/ci/*" {\n  capabilities = ["create"]\n}\npath "secret/metadata/ci/*" {\n  capabilities = ["create"]\n}\n');
  writeFileSync(sb.path(".secrets/policies/limited.hcl"), LIMITED_POLICY);
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "ci policy");
  const opened = await openServer({ cwd: sb.repo, env: sb.env, stateDir: sb.path("..", "state"), tokenAuthorities: [stub] });
  server = await listen({ listen: { host: "127.0.0.1", port: 0 }, context: opened.context });
}, 60_000);

afterAll(async () => {
  await server?.close();
  sb?.cleanup();
});

const post = (path: string, body: unknown) => raw("POST", `${server.url}/v1/${path}`, { "X-Vault-Token": CI, "Content-Type": "application/json" }, JSON.stringify(body));

describe("create vs update, and the author", () => {
  it("`create` writes a new key, authored `token-ci <token-ci@secrets-serve>`; writing it again is `update`: 403", async () => {
    const first = await post("secret/data/ci/deploy", { data: { k: "v1-value" } });
    expect(first.status).toBe(200);
    expect(sb.git("log", "-1", "--format=%an <%ae>%n%s").trim()).toBe("token-ci <token-ci@secrets-serve>\nwrite secret/ci/deploy (version 1)");
    const second = await post("secret/data/ci/deploy", { data: { k: "v2-value" } });
    expect([second.status, second.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });

  it("metadata on a new key is `create` too; then the key exists: its first data write is `update` (denied with `create` only)", async () => {
    expect((await post("secret/metadata/ci/meta-only", { max_versions: 3 })).status).toBe(204);
    const w = await post("secret/data/ci/meta-only", { data: { k: "v" } });
    expect([w.status, w.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });
});

describe("the ACL's parameter rules", () => {
  const as = (method: string, path: string, body?: unknown) =>
    raw(method, `${server.url}/v1/${path}`, { "X-Vault-Token": LIMITED, "Content-Type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));

  it("allowed_parameters: a write naming only listed parameters passes; another parameter is 403", async () => {
    expect((await as("POST", "secret/metadata/lim/a", { max_versions: 3 })).status).toBe(204);
    const other = await as("POST", "secret/metadata/lim/a", { max_versions: 3, custom_metadata: { owner: "x" } });
    expect([other.status, other.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });

  it("denied_parameters and required_parameters on a data write", async () => {
    expect((await as("POST", "secret/data/lim/b", { data: { k: "v" } })).status).toBe(200);
    expect((await as("POST", "secret/data/lim/c", { options: { cas: 0 }, data: { k: "v" } })).status).toBe(403);
    expect((await as("POST", "secret/data/lim/d", { other: 1 })).status).toBe(403);
    expect(sb.git("log", "--format=%s").split("\n").filter((l) => /secret\/lim\/[cd]/.test(l))).toEqual([]);
  });

  it("a read's query is its data: ?version=1 passes, ?version=2 is 403", async () => {
    expect((await as("GET", "secret/data/app")).status).toBe(200);
    expect((await as("GET", "secret/data/app?version=1")).status).toBe(200);
    const two = await as("GET", "secret/data/app?version=2");
    expect([two.status, two.body]).toEqual([403, PERMISSION_DENIED_BODY]);
  });
});
