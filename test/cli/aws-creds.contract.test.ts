import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STS_REVOKE_WARNING } from "../../src/engines/aws/engine.js";
import { Sandbox, type RunResult } from "../helpers/cli.js";
import { startStsStandIn, type StsStandIn } from "../helpers/sts-stand-in.js";

/**
 * `secrets creds aws/sts/ROLE` end to end against a stand-in STS on loopback (a contract test): the
 * built CLI in a git repository whose `.secrets/engines/aws/` holds the root configuration
 * (encrypted with `secrets encrypt`, as a user would) and the roles; the SDK signs for real and the
 * stand-in checks the signature. The engine's secret key and the minted secret keys are grepped for
 * in every output that must not hold them.
 */

const ACCESS_KEY = "AKIAI44QH8DHBEXAMPLE";
const SECRET_KEY = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
const DEPLOY = "arn:aws:iam::123456789012:role/Deploy";
const READER = "arn:aws:iam::123456789012:role/Reader";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnaXRodWIifQ.web-identity-for-the-cli";
const CONFIG = ".secrets/engines/aws/config/root.yaml";

let sts: StsStandIn;
const sb = new Sandbox();
/** stderr of every run, and stdout of runs that print no credential. */
const quiet: string[] = [];

async function run(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const r = await sb.run(args, env ? { env } : {});
  quiet.push(r.stderr);
  return r;
}

beforeAll(async () => {
  sts = await startStsStandIn({ keys: { [ACCESS_KEY]: SECRET_KEY }, roles: [DEPLOY, READER], webIdentityToken: TOKEN });
  const recipient = (await sb.run(["keygen"])).stdout.trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: ${recipient}\n`);
  mkdirSync(sb.path(".secrets/engines/aws/config"), { recursive: true });
  mkdirSync(sb.path(".secrets/engines/aws/roles"), { recursive: true });
  writeFileSync(sb.path(CONFIG), `access_key: ${ACCESS_KEY}\nsecret_key: ${SECRET_KEY}\nregion: us-east-1\nsts_endpoint: ${sts.url}\nmax_retries: 0\n`);
  const enc = await sb.run(["encrypt", "-i", CONFIG]);
  if (enc.code !== 0) throw new Error(enc.stderr);
  writeFileSync(sb.path(".secrets/engines/aws/roles/deploy.yaml"), `credential_type: assumed_role\nrole_arns: [${DEPLOY}, ${READER}]\nmax_sts_ttl: 1h\n`);
  writeFileSync(sb.path(".secrets/engines/aws/roles/session.yaml"), "credential_type: session_token\n");
});

afterAll(async () => {
  await sts.close();
  sb.cleanup();
});

describe("secrets creds aws/… (contract, stand-in STS)", () => {
  it("assumes the role the request names and prints Vault's response on stdout; stderr has the lease, never a key", async () => {
    const r = await run(["creds", "aws/sts/deploy", "--ttl", "15m", "--display-name", "ci", "--role-arn", READER]);
    expect(r.code, r.stderr).toBe(0);
    expect(sts.refused).toEqual([]);
    const body = JSON.parse(r.stdout) as { lease_id: string; lease_duration: number; renewable: boolean; data: Record<string, string> };
    const keys = sts.issued.at(-1)!;
    expect(body.data).toMatchObject({ access_key: keys.accessKeyId, secret_key: keys.secretAccessKey, security_token: keys.sessionToken, session_token: keys.sessionToken });
    expect(body.data.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/Reader\/vault-ci-deploy-\d+-[0-9A-Za-z]{20}$/);
    expect(body).toMatchObject({ renewable: false });
    expect(body.lease_duration).toBeLessThanOrEqual(900);
    expect(body.lease_id).toMatch(/^aws\/sts\/deploy\//);
    expect(sts.calls.at(-1)).toMatchObject({ action: "AssumeRole", signedBy: ACCESS_KEY, params: { RoleArn: READER, DurationSeconds: "900" } });
    expect(r.stderr).toContain(body.lease_id);
    for (const secret of [keys.secretAccessKey, keys.sessionToken]) expect(r.stderr).not.toContain(secret);

    const revoke = await run(["lease", "revoke", body.lease_id]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stderr).toContain(`secrets: warning: ${STS_REVOKE_WARNING}`);
    const renew = await run(["lease", "renew", body.lease_id]);
    expect(renew.code).not.toBe(0);
    expect(renew.stderr).toContain("lease is not renewable");
  });

  it("--format env with a prefix, for a session_token role", async () => {
    const r = await run(["creds", "aws/creds/session", "--format", "env", "--prefix", "AWS"]);
    expect(r.code, r.stderr).toBe(0);
    const keys = sts.issued.at(-1)!;
    expect(r.stdout).toContain(`AWS_ACCESS_KEY=${keys.accessKeyId}\n`);
    expect(r.stdout).toContain("AWS_SESSION_TOKEN=");
    expect(r.stdout).toMatch(/AWS_LEASE_ID=aws\/creds\/session\//);
    expect(sts.calls.at(-1)).toMatchObject({ action: "GetSessionToken", signedBy: ACCESS_KEY });
  });

  it("says Vault's texts when the role ARN is missing or not allowed", async () => {
    const none = await run(["creds", "aws/sts/deploy"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("did not supply a role_arn parameter and unable to determine one");
    const other = await run(["creds", "aws/sts/deploy", "--role-arn", "arn:aws:iam::123456789012:role/Admin"]);
    expect(other.stderr).toContain('role_arn "arn:aws:iam::123456789012:role/Admin" not in allowed role arns for Vault role "deploy"');
    quiet.push(none.stdout, other.stdout);
  });

  it("with no key in the root configuration, assumes the role with the web identity token of AWS_WEB_IDENTITY_TOKEN_FILE", async () => {
    writeFileSync(sb.path(CONFIG), `region: us-east-1\nsts_endpoint: ${sts.url}\nmax_retries: 0\n`);
    expect((await run(["encrypt", "-i", CONFIG])).code).toBe(0);
    writeFileSync(sb.path("../tmp/token"), TOKEN);
    const r = await run(["creds", "aws/sts/deploy", "--role-arn", DEPLOY], { AWS_WEB_IDENTITY_TOKEN_FILE: sb.path("../tmp/token") });
    expect(r.code, r.stderr).toBe(0);
    expect(sts.calls.at(-1)).toMatchObject({ action: "AssumeRoleWithWebIdentity", signedBy: null, params: { RoleArn: DEPLOY, WebIdentityToken: TOKEN } });
    const without = await run(["creds", "aws/sts/deploy", "--role-arn", DEPLOY]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain("no web identity token");
    quiet.push(without.stdout);
  });

  it("no output that must not hold a key holds one: the engine's secret key, a minted key, the web identity token", () => {
    const all = quiet.join("\n");
    for (const secret of [SECRET_KEY, TOKEN, ...sts.issued.map((k) => k.secretAccessKey), ...sts.issued.map((k) => k.sessionToken)]) expect(all).not.toContain(secret);
    expect(sts.refused).toEqual([]);
  });
});
