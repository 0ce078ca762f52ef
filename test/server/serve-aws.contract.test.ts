import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { startStsStandIn, type StsStandIn } from "../helpers/sts-stand-in.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The `aws` mount of the built `secrets serve` against a stand-in STS on loopback (a contract test:
 * the server's AWS SDK signs for real, the stand-in checks the signature and answers STS XML):
 * node-vault's `read` and `write` of `aws/creds/:role` and `aws/sts/:role`, raw requests for the
 * exact bodies, `sys/leases/*` on the leases, and the audit log and the server's output holding no key.
 */

const require = createRequire(import.meta.url);
type NodeVault = Record<string, (...args: unknown[]) => Promise<Record<string, unknown>>>;

const ACCESS_KEY = "AKIAJ7SERVERSTANDIN1";
const SECRET_KEY = "kX9s/server+StandIn/secretKey0123456789ab";
const DEPLOY = "arn:aws:iam::123456789012:role/Deploy";
const READER = "arn:aws:iam::123456789012:role/Reader";

let sts: StsStandIn;
const sb = new Sandbox();
let served: Served;
let root: string;
let auditFile: string;

interface Creds {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, string | number>;
  warnings: string[] | null;
  mount_type: string;
}

function vault(token = root): NodeVault {
  return require("node-vault")({ endpoint: served.url, token }) as NodeVault;
}

async function req(method: string, path: string, body?: unknown, token = root): Promise<{ status: number; body: string }> {
  const r = await raw(method, `${served.url}/v1/${path}`, { "x-vault-token": token, "content-type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body };
}

beforeAll(async () => {
  sts = await startStsStandIn({ keys: { [ACCESS_KEY]: SECRET_KEY }, roles: [DEPLOY, READER] });
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: ${recipient}\n`);
  mkdirSync(sb.path(".secrets/engines/aws/config"), { recursive: true });
  mkdirSync(sb.path(".secrets/engines/aws/roles"), { recursive: true });
  writeFileSync(sb.path(".secrets/engines/aws/config/root.yaml"), `access_key: ${ACCESS_KEY}\nsecret_key: ${SECRET_KEY}\nsts_endpoint: ${sts.url}\nmax_retries: 0\n`);
  await sb.ok(["encrypt", "-i", ".secrets/engines/aws/config/root.yaml"]);
  writeFileSync(sb.path(".secrets/engines/aws/roles/deploy.yaml"), `credential_type: assumed_role\nrole_arns: [${DEPLOY}]\ndefault_sts_ttl: 20m\n`);
  writeFileSync(sb.path(".secrets/engines/aws/roles/multi.yaml"), `credential_type: assumed_role\nrole_arns: [${DEPLOY}, ${READER}]\n`);
  writeFileSync(sb.path(".secrets/mounts.yaml"), "secrets:\n  aws/:\n    type: aws\n");
  mkdirSync(sb.path(".secrets/policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/deployer.hcl"), 'path "aws/creds/deploy" {\n  capabilities = ["read"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "aws engine");
  auditFile = join(sb.dir, "audit.log");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await sts?.close();
  sb.cleanup();
});

describe("aws/creds/:role and aws/sts/:role (contract, stand-in STS)", () => {
  it("node-vault's read of aws/creds/<role>: Vault's envelope and data, a lease that is not renewable", async () => {
    const r = (await vault().read!("aws/creds/deploy")) as unknown as Creds;
    expect(sts.refused).toEqual([]);
    expect(Object.keys(r)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(r).toMatchObject({ renewable: false, warnings: null, mount_type: "aws" });
    const keys = sts.issued.at(-1)!;
    expect(Object.keys(r.data)).toEqual(["access_key", "arn", "secret_key", "security_token", "session_token", "ttl"]);
    expect(r.data).toMatchObject({ access_key: keys.accessKeyId, secret_key: keys.secretAccessKey, security_token: keys.sessionToken, session_token: keys.sessionToken, ttl: r.lease_duration });
    expect(r.data.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/Deploy\/vault-root-deploy-\d+-[0-9A-Za-z]{20}$/);
    expect(r.lease_duration).toBeGreaterThan(1190);
    expect(r.lease_duration).toBeLessThanOrEqual(1200);
    expect(r.lease_id).toMatch(/^aws\/creds\/deploy\/\d+-\d+-[0-9A-Za-z]{12}$/);
    expect(sts.calls.at(-1)).toMatchObject({ action: "AssumeRole", signedBy: ACCESS_KEY, params: { RoleArn: DEPLOY, DurationSeconds: "1200" } });
  });

  it("node-vault's write of aws/sts/<role> with ttl, role_arn and role_session_name; a GET takes them from the query", async () => {
    const r = (await vault().write!("aws/sts/multi", { role_arn: READER, ttl: "15m", role_session_name: "deploy-42" })) as unknown as Creds;
    expect(sts.calls.at(-1)).toMatchObject({ action: "AssumeRole", params: { RoleArn: READER, DurationSeconds: "900", RoleSessionName: "deploy-42" } });
    expect(r.lease_id).toMatch(/^aws\/sts\/multi\//);
    expect(r.data.arn).toBe("arn:aws:sts::123456789012:assumed-role/Reader/deploy-42");
    const viaGet = await req("GET", `aws/sts/multi?role_arn=${encodeURIComponent(DEPLOY)}&ttl=1000`);
    expect(viaGet.status).toBe(200);
    expect(sts.calls.at(-1)).toMatchObject({ params: { RoleArn: DEPLOY, DurationSeconds: "1000" } });
  });

  it("answers Vault's 400s: no role_arn with several allowed, one not allowed, an unknown role, what STS refused", async () => {
    expect(await req("POST", "aws/sts/multi", {})).toEqual({ status: 400, body: '{"errors":["did not supply a role_arn parameter and unable to determine one"]}\n' });
    expect(await req("POST", "aws/sts/multi", { role_arn: "arn:aws:iam::123456789012:role/Admin" })).toEqual({
      status: 400,
      body: '{"errors":["role_arn \\"arn:aws:iam::123456789012:role/Admin\\" not in allowed role arns for Vault role \\"multi\\""]}\n',
    });
    expect(await req("GET", "aws/creds/nope")).toEqual({ status: 400, body: '{"errors":["Role \\"nope\\" not found"]}\n' });
    sts.failWith = { code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole", status: 403 };
    try {
      expect(await req("GET", "aws/creds/deploy")).toEqual({ status: 400, body: '{"errors":["Error assuming role: AccessDenied: not authorized to perform: sts:AssumeRole (status code: 403)"]}\n' });
    } finally {
      sts.failWith = null;
    }
    expect((await req("GET", "aws/config/root")).status).toBe(404);
    expect((await req("DELETE", "aws/creds/deploy")).status).toBe(405);
  });

  it("sys/leases/*: lookup, renew refused (not renewable), revoke 204 (a no-op at AWS), by node-vault too", async () => {
    const r = (await vault().read!("aws/creds/deploy")) as unknown as Creds;
    const lookup = await req("PUT", "sys/leases/lookup", { lease_id: r.lease_id });
    expect(lookup.status).toBe(200);
    expect(JSON.parse(lookup.body)).toMatchObject({ data: { id: r.lease_id, path: "aws/creds/deploy", renewable: false } });
    const renew = await req("PUT", "sys/leases/renew", { lease_id: r.lease_id, increment: null });
    expect(renew).toEqual({ status: 400, body: '{"errors":["lease is not renewable"]}\n' });
    expect((await req("PUT", "sys/leases/revoke", { lease_id: r.lease_id })).status).toBe(204);
    expect((await sb.ok(["lease", "list"]))).not.toContain(r.lease_id);
    const again = (await vault().read!("aws/creds/deploy")) as unknown as Creds;
    await vault().revoke!({ lease_id: again.lease_id });
    expect((await req("PUT", "sys/leases/lookup", { lease_id: again.lease_id })).status).toBe(200);
  });

  it("a policy's path rules apply: aws/creds/deploy granted, aws/sts/deploy not", async () => {
    const created = JSON.parse((await req("POST", "auth/token/create", { policies: ["deployer"] })).body) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    expect((await req("GET", "aws/creds/deploy", undefined, token)).status).toBe(200);
    expect((await req("GET", "aws/sts/deploy", undefined, token)).status).toBe(403);
  });

  it("the audit log and the server's output hold neither the engine's secret key nor a minted key", () => {
    const audit = readFileSync(auditFile, "utf8");
    expect(audit).toContain("aws/creds/deploy");
    const out = audit + served.stderr();
    expect(out).not.toContain(SECRET_KEY);
    for (const k of sts.issued) {
      expect(out).not.toContain(k.secretAccessKey);
      expect(out).not.toContain(k.sessionToken);
    }
    expect(sts.refused).toEqual([]);
  });
});
