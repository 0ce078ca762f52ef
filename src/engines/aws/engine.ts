/**
 * The AWS engine (Vault's `aws` secrets engine, its STS credential types): `<mount>/creds/<role>`
 * and `<mount>/sts/<role>` call STS through the AWS SDK (sts.ts) and answer Vault's data:
 * `access_key`, `secret_key`, `security_token` (and `session_token`, the same value, as newer Vault
 * and the SDK's `getDynamic` name it), and `arn` for an assumed role.
 *
 * - `assumed_role`: AssumeRole on the role ARN the request names (`role_arn`), which must be one of
 *   the role's `role_arns`; with none named, the role's only one (Vault's texts otherwise). With no
 *   key configured, AssumeRoleWithWebIdentity with a web identity token (the job's GitHub OIDC
 *   token, web-identity.ts): no stored AWS key at all.
 * - `session_token`: GetSessionToken (with the role's `mfa_serial_number` and the request's `mfa_code`).
 * - `federation_token`: GetFederationToken with the role's policies.
 *
 * The TTL is the request's, else the role's `default_sts_ttl`, else 3600 s, capped at `max_sts_ttl`
 * (silently, as Vault's pathCredsRead); the lease lasts until the credentials' expiry as STS gives
 * it. Leases are not renewable (STS credentials have a fixed lifetime), and revoking one is a no-op
 * that says so: STS has no call that ends credentials early (Vault's revoke returns at once for
 * STS credentials too). The lease id's last segment names the issue and expiry times (names.ts), so
 * a lease with no record can still be looked up.
 */
import { createHash } from "node:crypto";
import { SecretsError } from "../../errors.js";
import type { CredentialState, DynamicEngine, EngineTidyReport, IssuedCredential, IssueRequest, LeasedCredential, RenewedCredential } from "../engine.js";
import type { AwsConfigSource, AwsRole, AwsRootConfig } from "./config-files.js";
import { credentialId, federatedUserName, sessionName, timesOf } from "./names.js";
import { StsCaller, type StsCredentials } from "./sts.js";
import type { WebIdentityTokenSource } from "./web-identity.js";

/** Vault's default STS TTL (path_user.go: the `ttl` field's default). */
export const DEFAULT_STS_TTL = 3600;
/** Vault's system maximum lease TTL (768h), when the role sets no `max_sts_ttl`. */
const SYSTEM_MAX_TTL = 768 * 3600;

/** What revoking an AWS lease says: the keys keep working until they expire. */
export const STS_REVOKE_WARNING = "STS credentials cannot be revoked early: the lease is revoked, but the keys work until they expire";

export interface AwsEngineOptions {
  /** The mount point without its slash; default `aws`. */
  mount?: string;
  config: AwsConfigSource;
  /** Where a web identity token comes from when no key is configured; none: keys are needed. */
  webIdentityToken?: WebIdentityTokenSource;
}

export class AwsEngine implements DynamicEngine {
  readonly type = "aws";
  readonly mount: string;
  readonly revocationWarnings: readonly string[] = [STS_REVOKE_WARNING];
  readonly #config: AwsConfigSource;
  readonly #webIdentityToken: WebIdentityTokenSource | undefined;
  #caller: { key: string; caller: StsCaller } | undefined;

  constructor(options: AwsEngineOptions) {
    this.mount = options.mount ?? "aws";
    this.#config = options.config;
    this.#webIdentityToken = options.webIdentityToken;
  }

  /** The STS client of the root configuration as it is now, made again when the file changed (a rotated key). */
  #callerFor(root: AwsRootConfig): StsCaller {
    // Kept in memory only: a digest of the settings (the secret key included) tells a changed file apart.
    const key = createHash("sha256").update(JSON.stringify(root)).digest("hex");
    if (this.#caller?.key === key) return this.#caller.caller;
    this.#caller?.caller.close();
    const caller = new StsCaller(root);
    this.#caller = { key, caller };
    return caller;
  }

  #needKeys(root: AwsRootConfig, type: string): void {
    if (!root.keys) throw new SecretsError("config", `${type} credentials need access_key and secret_key in ${this.mount}/config/root (only assumed_role can use a web identity token)`);
  }

  /** Vault's TTL rule for STS credentials (pathCredsRead). */
  #ttl(role: AwsRole, asked: number): number {
    const ttl = asked > 0 ? asked : role.defaultStsTtl > 0 ? role.defaultStsTtl : DEFAULT_STS_TTL;
    const max = role.maxStsTtl > 0 ? role.maxStsTtl : SYSTEM_MAX_TTL;
    return Math.min(ttl, max);
  }

  /** The role ARN to assume, as Vault chooses it, with its texts. */
  #roleArn(role: AwsRole, asked: string): string {
    if (asked === "") {
      if (role.roleArns.length !== 1) throw new SecretsError("usage", "did not supply a role_arn parameter and unable to determine one");
      return role.roleArns[0]!;
    }
    if (!role.roleArns.includes(asked)) throw new SecretsError("usage", `role_arn ${JSON.stringify(asked)} not in allowed role arns for Vault role ${JSON.stringify(role.name)}`);
    return asked;
  }

  async issue(request: IssueRequest): Promise<IssuedCredential> {
    const role = await this.#config.role(request.role);
    if (!role) throw new SecretsError("usage", `Role ${JSON.stringify(request.role)} not found`);
    const params = request.parameters ?? {};
    const ttl = this.#ttl(role, request.ttl);
    const root = await this.#config.root();
    const caller = this.#callerFor(root);
    let creds: StsCredentials;
    const internal: Record<string, string> = { credential_type: role.credentialType, is_sts: "true" };
    switch (role.credentialType) {
      case "assumed_role": {
        const roleArn = this.#roleArn(role, params.role_arn ?? "");
        const assume = {
          roleArn,
          roleSessionName: sessionName(request.displayName, role.name, request.now, params.role_session_name ?? ""),
          durationSeconds: ttl,
          policy: role.policyDocument,
          policyArns: role.policyArns,
          tags: role.sessionTags,
          externalId: role.externalId,
        };
        internal.role_arn = roleArn;
        internal.session_name = assume.roleSessionName;
        if (root.keys) {
          creds = await caller.assumeRole(assume);
          break;
        }
        const token = this.#webIdentityToken ? await this.#webIdentityToken() : null;
        if (token === null) {
          throw new SecretsError("config", `no access_key and secret_key in ${this.mount}/config/root, and no web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, or a GitHub Actions job with id-token: write) to assume ${roleArn} with`);
        }
        if (Object.keys(role.sessionTags).length > 0 || role.externalId !== "") {
          throw new SecretsError("config", `role ${role.name}: session_tags and external_id need AssumeRole with a configured key; AssumeRoleWithWebIdentity takes neither`);
        }
        creds = await caller.assumeRoleWithWebIdentity(assume, token);
        break;
      }
      case "federation_token":
        this.#needKeys(root, "federation_token");
        creds = await caller.getFederationToken(federatedUserName(request.now), ttl, role.policyDocument, role.policyArns);
        break;
      case "session_token":
        this.#needKeys(root, "session_token");
        creds = await caller.getSessionToken(ttl, role.mfaSerialNumber, params.mfa_code ?? "");
        break;
    }
    // Until the expiry STS gives, never longer than asked (the clocks may differ by a second).
    const lifetime = Math.max(0, Math.min(ttl, creds.expiration - request.now));
    const data: Record<string, string> = { access_key: creds.accessKeyId, secret_key: creds.secretAccessKey, security_token: creds.sessionToken, session_token: creds.sessionToken };
    if (role.credentialType === "assumed_role") data.arn = creds.arn;
    return { credentialId: credentialId(request.now, request.now + lifetime), data, ttl: lifetime, renewable: false, warnings: [], internal };
  }

  /** From the lease id alone: STS cannot be asked about a credential. */
  state(credential: LeasedCredential): Promise<CredentialState | null> {
    const times = timesOf(credential.credentialId);
    return Promise.resolve(times ? { issueTime: credential.issueTime ?? times.issueTime, expireTime: times.expireTime } : null);
  }

  renew(): Promise<RenewedCredential> {
    return Promise.reject(new SecretsError("usage", "lease is not renewable"));
  }

  /** Nothing to do at AWS (see revocationWarnings): the manager drops the lease. */
  revoke(): Promise<void> {
    return Promise.resolve();
  }

  /** STS credentials expire on their own: nothing to reap. */
  tidy(): Promise<EngineTidyReport> {
    return Promise.resolve({ reaped: [], failures: [] });
  }

  close(): Promise<void> {
    this.#caller?.caller.close();
    this.#caller = undefined;
    return Promise.resolve();
  }
}
