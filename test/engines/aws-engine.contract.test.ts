import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RepositoryAwsConfig } from "../../src/engines/aws/config-files.js";
import { AwsEngine, STS_REVOKE_WARNING } from "../../src/engines/aws/engine.js";
import { webIdentityTokenFromEnv } from "../../src/engines/aws/web-identity.js";
import { engineTable } from "../../src/engines/engine.js";
import { formatForPath, loadStore } from "../../src/files/format.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { DirectoryLeaseStore } from "../../src/leases/directory-store.js";
import { LeaseManager } from "../../src/leases/manager.js";
import { keySourceFromIdentities } from "../../src/sdk/keys.js";
import { emitEncrypted, encryptNew } from "../../src/sops/document.js";
import { fromPlain, type Branch } from "../../src/sops/tree.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { startStsStandIn, type StsStandIn } from "../helpers/sts-stand-in.js";

/**
 * The AWS engine against a stand-in STS on loopback (a contract test: there is no real STS here).
 * The real SDK client signs each request (the stand-in recomputes the SigV4 signature with the
 * secret key) and parses the stand-in's STS XML; the engine's configuration is the repository's
 * files, the root one sops-encrypted.
 */

const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY = "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";
const DEPLOY = "arn:aws:iam::123456789012:role/Deploy";
const READER = "arn:aws:iam::123456789012:role/Reader";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYifQ.c2lnbmF0dXJl-web-identity";

let sts: StsStandIn;
let dir: string;
let stateDir: string;
let identity: string;
let recipient: string;
const folder = (): string => join(dir, ".secrets", "engines", "aws");

async function writeRoot(data: Record<string, unknown> | null): Promise<void> {
  const file = join(folder(), "config", "root.yaml");
  rmSync(file, { force: true });
  if (data === null) return;
  mkdirSync(dirname(file), { recursive: true });
  const keys = keySourceFromIdentities([identity]);
  const enc = await encryptNew([fromPlain(data) as Branch], { groups: [[recipient]] }, keys, {});
  writeFileSync(file, emitEncrypted(await loadStore(formatForPath(file)), enc));
}

function role(name: string, text: string): void {
  const file = join(folder(), "roles", `${name}.yaml`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function manager(options: { token?: string | null } = {}): { leases: LeaseManager; engine: AwsEngine } {
  const ws = new Workspace({ startDir: dir, env: { SOPS_AGE_KEY: identity } });
  const engine = new AwsEngine({
    config: new RepositoryAwsConfig({ folder: folder(), workspace: ws }),
    ...(options.token !== undefined ? { webIdentityToken: () => Promise.resolve(options.token ?? null) } : {}),
  });
  return { leases: new LeaseManager({ engines: engineTable([engine]), store: new DirectoryLeaseStore(stateDir), retry: { attempts: 1, baseMs: 1 } }), engine };
}

const now = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  sts = await startStsStandIn({ keys: { [ACCESS_KEY]: SECRET_KEY }, roles: [DEPLOY, READER], webIdentityToken: TOKEN });
  dir = mkdtempSync(join(tmpdir(), "secrets-aws-"));
  stateDir = mkdtempSync(join(tmpdir(), "secrets-aws-leases-"));
  execFileSync("git", ["init", "-q", "-b", "main", dir]);
  ({ identity, recipient } = await generateKeyPair());
  writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: ${recipient}\n`);
  role("deploy", `credential_type: assumed_role\nrole_arns: [${DEPLOY}]\ndefault_sts_ttl: 30m\nmax_sts_ttl: 1h\n`);
  role("multi", `credential_type: assumed_role\nrole_arns: "${DEPLOY},${READER}"\npolicy_arns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\nsession_tags: {team: platform}\nexternal_id: ext-1234\n`);
  role("session", "credential_type: session_token\nmfa_serial_number: arn:aws:iam::123456789012:mfa/alice\n");
  role("fed", `credential_type: federation_token\npolicy_document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'\n`);
});

afterAll(async () => {
  await sts.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(async () => {
  sts.calls.length = 0;
  sts.issued.length = 0;
  sts.refused.length = 0;
  sts.failWith = null;
  await writeRoot({ access_key: ACCESS_KEY, secret_key: SECRET_KEY, region: "us-east-1", sts_endpoint: sts.url, max_retries: 0 });
});

describe("the AWS engine against a stand-in STS (contract)", () => {
  it("assumes the role's only ARN with a signed AssumeRole and answers Vault's fields, as a lease that is not renewable", async () => {
    const { leases, engine } = manager();
    const lease = await leases.issue("aws/sts/deploy", { displayName: "alice", now: now() });
    await engine.close();
    expect(sts.refused).toEqual([]);
    expect(sts.calls).toHaveLength(1);
    const call = sts.calls[0]!;
    expect(call.action).toBe("AssumeRole");
    expect(call.signedBy).toBe(ACCESS_KEY);
    expect(call.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date", "content-type"]));
    expect(call.params.RoleArn).toBe(DEPLOY);
    expect(call.params.DurationSeconds).toBe("1800");
    expect(call.params.RoleSessionName).toMatch(/^vault-alice-deploy-\d{10}-[0-9A-Za-z]{20}$/);
    const keys = sts.issued[0]!;
    expect(lease.data).toEqual({
      access_key: keys.accessKeyId,
      secret_key: keys.secretAccessKey,
      security_token: keys.sessionToken,
      session_token: keys.sessionToken,
      arn: `arn:aws:sts::123456789012:assumed-role/Deploy/${call.params.RoleSessionName}`,
    });
    expect(lease.lease_id).toMatch(/^aws\/sts\/deploy\/\d+-\d+-[0-9A-Za-z]{12}$/);
    expect(lease.renewable).toBe(false);
    expect(lease.lease_duration).toBeGreaterThan(1790);
    expect(lease.lease_duration).toBeLessThanOrEqual(1800);
    // The record holds no key.
    const info = await leases.lookup(lease.lease_id, now());
    expect(info).toMatchObject({ path: "aws/sts/deploy", renewable: false, recorded: true });
    expect(JSON.stringify(await leases.list({ now: now() }))).not.toContain(keys.secretAccessKey);
  });

  it("caps the TTL at max_sts_ttl, and aws/creds/<role> mints the same way", async () => {
    const { leases } = manager();
    const lease = await leases.issue("aws/creds/deploy", { displayName: "ci", now: now(), ttl: 7200 });
    expect(sts.calls[0]!.params.DurationSeconds).toBe("3600");
    expect(lease.lease_id.startsWith("aws/creds/deploy/")).toBe(true);
    await leases.close();
  });

  it("takes role_arn and role_session_name from the request, with Vault's texts when none is given and several are allowed, or one not allowed", async () => {
    const { leases } = manager();
    await expect(leases.issue("aws/sts/multi", { displayName: "t", now: now() })).rejects.toMatchObject({ kind: "usage", message: "did not supply a role_arn parameter and unable to determine one" });
    await expect(leases.issue("aws/sts/multi", { displayName: "t", now: now(), parameters: { role_arn: "arn:aws:iam::123456789012:role/Admin" } })).rejects.toMatchObject({
      kind: "usage",
      message: 'role_arn "arn:aws:iam::123456789012:role/Admin" not in allowed role arns for Vault role "multi"',
    });
    expect(sts.calls).toEqual([]);
    const lease = await leases.issue("aws/sts/multi", { displayName: "t", now: now(), parameters: { role_arn: READER, role_session_name: "release job#42" } });
    const call = sts.calls[0]!;
    expect(call.params).toMatchObject({ RoleArn: READER, RoleSessionName: "release_job_42", ExternalId: "ext-1234", "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "Tags.member.1.Key": "team", "Tags.member.1.Value": "platform" });
    expect(lease.data.arn).toBe("arn:aws:sts::123456789012:assumed-role/Reader/release_job_42");
    await expect(leases.issue("aws/sts/nope", { displayName: "t", now: now() })).rejects.toMatchObject({ kind: "usage", message: 'Role "nope" not found' });
    await leases.close();
  });

  it("session_token: GetSessionToken with the role's MFA device and the request's code; federation_token: GetFederationToken with the policy", async () => {
    const { leases } = manager();
    const session = await leases.issue("aws/creds/session", { displayName: "t", now: now(), parameters: { mfa_code: "123456" } });
    expect(sts.calls[0]).toMatchObject({ action: "GetSessionToken", signedBy: ACCESS_KEY, params: { DurationSeconds: "3600", SerialNumber: "arn:aws:iam::123456789012:mfa/alice", TokenCode: "123456" } });
    expect(Object.keys(session.data).sort()).toEqual(["access_key", "secret_key", "security_token", "session_token"]);
    expect(session.data.secret_key).toBe(sts.issued[0]!.secretAccessKey);
    const fed = await leases.issue("aws/sts/fed", { displayName: "t", now: now() });
    const call = sts.calls[1]!;
    expect(call.action).toBe("GetFederationToken");
    expect(call.params.Name).toMatch(/^vault-\d{10}-[0-9A-Za-z]{15}$/);
    expect(JSON.parse(call.params.Policy!)).toMatchObject({ Version: "2012-10-17" });
    expect(fed.data.access_key).toBe(sts.issued[1]!.accessKeyId);
    await leases.close();
  });

  it("with no key configured, assumes the role with AssumeRoleWithWebIdentity, unsigned, with the web identity token", async () => {
    await writeRoot({ region: "us-east-1", sts_endpoint: sts.url, max_retries: 0 });
    const { leases } = manager({ token: TOKEN });
    const lease = await leases.issue("aws/sts/deploy", { displayName: "gha", now: now() });
    expect(sts.refused).toEqual([]);
    expect(sts.calls[0]).toMatchObject({ action: "AssumeRoleWithWebIdentity", signedBy: null, params: { RoleArn: DEPLOY, WebIdentityToken: TOKEN, DurationSeconds: "1800" } });
    expect(lease.data.access_key).toBe(sts.issued[0]!.accessKeyId);
    // Keys are needed for the other types; a token is needed without keys.
    await expect(leases.issue("aws/creds/session", { displayName: "gha", now: now() })).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("session_token credentials need access_key and secret_key") });
    await expect(manager({ token: null }).leases.issue("aws/sts/deploy", { displayName: "gha", now: now() })).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("no web identity token") });
    await leases.close();
  });

  it("finds the token in AWS_WEB_IDENTITY_TOKEN_FILE, or asks GitHub Actions' OIDC endpoint for one with the sts.amazonaws.com audience", async () => {
    const file = join(dir, "token");
    writeFileSync(file, TOKEN + "\n");
    expect(await webIdentityTokenFromEnv({ AWS_WEB_IDENTITY_TOKEN_FILE: file })()).toBe(TOKEN);
    expect(await webIdentityTokenFromEnv({})()).toBeNull();
    const asked: { url: string; auth: string | null }[] = [];
    const fakeFetch = ((url: URL, init: RequestInit) => {
      asked.push({ url: String(url), auth: new Headers(init.headers).get("authorization") });
      return Promise.resolve(new Response(JSON.stringify({ value: TOKEN }), { status: 200 }));
    }) as unknown as typeof fetch;
    const fromGithub = await webIdentityTokenFromEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.example/x?api-version=2.0", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req-token" }, fakeFetch)();
    expect(fromGithub).toBe(TOKEN);
    expect(asked).toEqual([{ url: "https://token.actions.example/x?api-version=2.0&audience=sts.amazonaws.com", auth: "bearer req-token" }]);
  });

  it("refuses renewal, and revokes as a no-op that says STS credentials cannot be revoked early, with a record or without", async () => {
    const { leases } = manager();
    const lease = await leases.issue("aws/sts/deploy", { displayName: "t", now: now() });
    await expect(leases.renew(lease.lease_id, 0, now())).rejects.toThrow("lease is not renewable");
    const revoked = await leases.revoke(lease.lease_id, { now: now() });
    expect(revoked).toEqual({ leaseId: lease.lease_id, revoked: true, warnings: [STS_REVOKE_WARNING] });
    expect(STS_REVOKE_WARNING).toContain("STS credentials cannot be revoked early");
    expect((await leases.list({ now: now() })).map((l) => l.id)).not.toContain(lease.lease_id);
    // The id alone still says when the keys stop working.
    const info = await leases.lookup(lease.lease_id, now());
    expect(info.recorded).toBe(false);
    expect(info.expire_time! - info.issue_time!).toBe(lease.lease_duration);
    await expect(leases.renew(lease.lease_id, 0, now())).rejects.toThrow("lease is not renewable");
    await expect(leases.revoke(lease.lease_id, { now: now() })).resolves.toMatchObject({ revoked: true });
    expect(sts.calls).toHaveLength(1);
    await leases.close();
  });

  it("says what STS refused with Vault's prefix, never a key; a wrong secret key fails the stand-in's signature check", async () => {
    const { leases } = manager();
    sts.failWith = { code: "AccessDenied", message: "User: arn:aws:iam::123456789012:user/vault is not authorized to perform: sts:AssumeRole", status: 403 };
    const denied = await leases.issue("aws/sts/deploy", { displayName: "t", now: now() }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ kind: "engine-failed", message: "Error assuming role: AccessDenied: User: arn:aws:iam::123456789012:user/vault is not authorized to perform: sts:AssumeRole (status code: 403)" });
    sts.failWith = null;
    await leases.close();
    await writeRoot({ access_key: ACCESS_KEY, secret_key: SECRET_KEY.replace(/.$/, "X"), sts_endpoint: sts.url, max_retries: 0 });
    const bad = await manager().leases.issue("aws/sts/deploy", { displayName: "t", now: now() }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: "engine-failed", message: expect.stringContaining("Error assuming role: SignatureDoesNotMatch") });
    expect(sts.refused).toEqual(["SignatureDoesNotMatch"]);
    expect(String((bad as Error).message)).not.toContain(SECRET_KEY.slice(0, 20));
  });

  it("an unreachable STS is engine-unavailable (the manager's retry kind)", async () => {
    const closed = await startStsStandIn({ keys: {}, roles: [] });
    await closed.close();
    await writeRoot({ access_key: ACCESS_KEY, secret_key: SECRET_KEY, sts_endpoint: closed.url, max_retries: 0 });
    const e = await manager().leases.issue("aws/sts/deploy", { displayName: "t", now: now() }).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: "engine-unavailable", message: expect.stringContaining("Error assuming role: could not reach STS") });
  });

  it("refuses role files Vault would refuse, with its texts, and unknown fields", async () => {
    const { leases } = manager();
    role("bad1", `credential_type: session_token\nrole_arns: [${DEPLOY}]\n`);
    await expect(leases.issue("aws/creds/bad1", { displayName: "t", now: now() })).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("cannot supply role_arns when credential_type isn't assumed_role") });
    role("bad2", "credential_type: assumed_role\nrole_arns: [x]\ndefault_sts_ttl: 2h\nmax_sts_ttl: 1h\n");
    await expect(leases.issue("aws/creds/bad2", { displayName: "t", now: now() })).rejects.toThrow('"default_sts_ttl" value must be less than or equal to "max_sts_ttl" value');
    role("bad3", "credential_type: iam_user\n");
    await expect(leases.issue("aws/creds/bad3", { displayName: "t", now: now() })).rejects.toThrow("credential_type is one of assumed_role, federation_token, session_token");
    role("bad4", "credential_type: assumed_role\nrole_arns: [x]\nmax_ttl: 1h\n");
    await expect(leases.issue("aws/creds/bad4", { displayName: "t", now: now() })).rejects.toThrow(/Unrecognized key.*max_ttl/);
    role("bad5", "credential_type: federation_token\n");
    await expect(leases.issue("aws/creds/bad5", { displayName: "t", now: now() })).rejects.toThrow("must specify at least one of policy_arns or policy_document with federation_token credential_type");
    expect(sts.calls).toEqual([]);
  });
});
