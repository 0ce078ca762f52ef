import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient } from "../../src/index.js";
import { Sandbox } from "../helpers/cli.js";
import { startStsStandIn, type StsStandIn } from "../helpers/sts-stand-in.js";

/**
 * The SDK's local getDynamic("aws/sts/ROLE") against a stand-in STS on loopback (a contract test):
 * the checkout's AWS engine has no stored key, so the credentials come from
 * AssumeRoleWithWebIdentity with the token file the environment names (AWS_WEB_IDENTITY_TOKEN_FILE,
 * as on EKS or after GitHub's OIDC step). Before, the SDK opened its engines without the
 * environment and refused for want of a token.
 */

const DEPLOY = "arn:aws:iam::123456789012:role/Deploy";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZGsifQ.web-identity-for-the-sdk";
const CONFIG = ".secrets/engines/aws/config/root.yaml";

let sts: StsStandIn;
const sb = new Sandbox();
let identity: string;
const saved = process.env.AWS_WEB_IDENTITY_TOKEN_FILE;

beforeAll(async () => {
  sts = await startStsStandIn({ keys: {}, roles: [DEPLOY], webIdentityToken: TOKEN });
  const recipient = (await sb.run(["keygen"])).stdout.trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: ${recipient}\n`);
  mkdirSync(sb.path(".secrets/engines/aws/config"), { recursive: true });
  mkdirSync(sb.path(".secrets/engines/aws/roles"), { recursive: true });
  writeFileSync(sb.path(CONFIG), `region: us-east-1\nsts_endpoint: ${sts.url}\nmax_retries: 0\n`);
  const enc = await sb.run(["encrypt", "-i", CONFIG]);
  if (enc.code !== 0) throw new Error(enc.stderr);
  writeFileSync(sb.path(".secrets/engines/aws/roles/deploy.yaml"), `credential_type: assumed_role\nrole_arns: [${DEPLOY}]\n`);
  identity = readFileSync(join(sb.dir, "config", "sops", "age", "keys.txt"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
  const tokenFile = join(sb.dir, "web-identity-token");
  writeFileSync(tokenFile, TOKEN);
  process.env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile;
});

afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  else process.env.AWS_WEB_IDENTITY_TOKEN_FILE = saved;
  await sts.close();
  sb.cleanup();
});

describe("SDK getDynamic aws/sts (contract, stand-in STS)", () => {
  it("with no stored key, assumes the role with the web identity token the environment's file holds", async () => {
    const client = new SecretsClient({ cwd: sb.repo, identities: [identity] });
    const creds = await client.getDynamic("aws/sts/deploy");
    expect(sts.refused).toEqual([]);
    expect(sts.calls.at(-1)).toMatchObject({ action: "AssumeRoleWithWebIdentity", signedBy: null, params: { RoleArn: DEPLOY, WebIdentityToken: TOKEN } });
    const keys = sts.issued.at(-1)!;
    expect(creds).toMatchObject({ access_key: keys.accessKeyId, secret_key: keys.secretAccessKey, session_token: keys.sessionToken });
    expect(creds.lease_id).toMatch(/^aws\/sts\/deploy\//);
    expect(creds.expires_in).toBeGreaterThan(0);
  });
});
