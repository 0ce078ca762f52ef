/**
 * The engine's STS calls, through AWS's own SDK (`@aws-sdk/client-sts`): its SigV4 request signing,
 * its Query-protocol requests and its XML parsing. This is the only file that imports the SDK, on
 * first use, so commands that never mint AWS credentials do not load it.
 *
 * Every failure becomes a SecretsError made from the error's code, message and HTTP status only,
 * with every secret the call handled (the secret key, the web identity token, a session token)
 * cut out, and no `cause` kept (an SDK error carries the request). The kind says whether trying
 * again may help: `engine-unavailable` when STS could not be reached, throttled or failed on its
 * side (5xx), `engine-failed` otherwise (access denied, a bad parameter).
 */
import type { AssumeRoleCommandInput, Credentials, STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { SecretsError } from "../../errors.js";
import type { AwsRootConfig } from "./config-files.js";

/** What one STS call gave: the credentials and, for AssumeRole, the assumed role's ARN. */
export interface StsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Unix seconds. */
  expiration: number;
  /** The assumed role's or federated user's ARN; "" for GetSessionToken. */
  arn: string;
}

export interface AssumeRoleRequest {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policy: string;
  policyArns: string[];
  tags: Record<string, string>;
  externalId: string;
}

const TRANSIENT_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
/** STS's codes for "slow down" (the SDK retries these itself first). */
const THROTTLING = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "IDPCommunicationError"]);

function fieldOf(e: unknown, name: string): unknown {
  return typeof e === "object" && e !== null && name in e ? (e as Record<string, unknown>)[name] : undefined;
}

/** `text` with each secret replaced by `[redacted]`, longest first. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join("[redacted]");
  return out;
}

/**
 * The SecretsError for a failed call, prefixed as Vault prefixes it (`Error assuming role: `),
 * with the SDK's code and message as aws-sdk-go prints them (`AccessDenied: …`) and the status.
 */
export function stsError(prefix: string, e: unknown, secrets: readonly string[]): SecretsError {
  if (e instanceof SecretsError) return e;
  const name = fieldOf(e, "name");
  const code = typeof name === "string" ? name : "Error";
  const rawMessage = fieldOf(e, "message");
  const message = redact(typeof rawMessage === "string" ? rawMessage : "unknown error", secrets).replace(/\s+/g, " ").trim();
  const meta = fieldOf(e, "$metadata");
  const status = fieldOf(meta, "httpStatusCode");
  const errno = fieldOf(e, "code");
  const transient =
    (typeof errno === "string" && TRANSIENT_ERRNO.has(errno)) || THROTTLING.has(code) || fieldOf(e, "$fault") === "server" || (typeof status === "number" && status >= 500) || code === "TimeoutError";
  const text = typeof status === "number" ? `${code}: ${message} (status code: ${status})` : typeof errno === "string" ? `could not reach STS: ${message}` : `${code}: ${message}`;
  return new SecretsError(transient ? "engine-unavailable" : "engine-failed", `${prefix}${text}`);
}

function credentialsOf(c: Credentials | undefined, arn: string | undefined): StsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new SecretsError("engine-failed", "STS answered without credentials");
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: Math.floor(c.Expiration.getTime() / 1000), arn: arn ?? "" };
}

/** One STS client per root configuration; made on first use, ended by `close()`. */
export class StsCaller {
  readonly #config: AwsRootConfig;
  #client: Promise<{ client: STSClient; sdk: typeof import("@aws-sdk/client-sts") }> | undefined;

  constructor(config: AwsRootConfig) {
    this.#config = config;
  }

  #secrets(extra: readonly string[] = []): string[] {
    return [this.#config.keys?.secretKey ?? "", ...extra];
  }

  #get(): Promise<{ client: STSClient; sdk: typeof import("@aws-sdk/client-sts") }> {
    this.#client ??= import("@aws-sdk/client-sts").then((sdk) => {
      const c = this.#config;
      const options: STSClientConfig = {
        region: c.stsRegion,
        // No key: only AssumeRoleWithWebIdentity is called, which STS takes unsigned. An empty
        // provider rather than the SDK's default chain: no key is ever read from ~/.aws or the environment.
        credentials: c.keys ? { accessKeyId: c.keys.accessKey, secretAccessKey: c.keys.secretKey } : () => Promise.reject(new SecretsError("config", "no access_key/secret_key configured")),
        ...(c.stsEndpoint ? { endpoint: c.stsEndpoint } : {}),
        ...(c.maxAttempts !== null ? { maxAttempts: c.maxAttempts } : {}),
      };
      return { client: new sdk.STSClient(options), sdk };
    });
    return this.#client;
  }

  async assumeRole(req: AssumeRoleRequest): Promise<StsCredentials> {
    const { client, sdk } = await this.#get();
    const input: AssumeRoleCommandInput = { RoleArn: req.roleArn, RoleSessionName: req.roleSessionName, DurationSeconds: req.durationSeconds };
    if (req.policy) input.Policy = req.policy;
    if (req.policyArns.length) input.PolicyArns = req.policyArns.map((arn) => ({ arn }));
    const tags = Object.entries(req.tags);
    if (tags.length) input.Tags = tags.map(([Key, Value]) => ({ Key, Value }));
    if (req.externalId) input.ExternalId = req.externalId;
    try {
      const out = await client.send(new sdk.AssumeRoleCommand(input));
      return credentialsOf(out.Credentials, out.AssumedRoleUser?.Arn);
    } catch (e) {
      throw stsError("Error assuming role: ", e, this.#secrets());
    }
  }

  /** AssumeRoleWithWebIdentity: no key of our own, the token proves who asks. */
  async assumeRoleWithWebIdentity(req: AssumeRoleRequest, token: string): Promise<StsCredentials> {
    const { client, sdk } = await this.#get();
    const input = {
      RoleArn: req.roleArn,
      RoleSessionName: req.roleSessionName,
      DurationSeconds: req.durationSeconds,
      WebIdentityToken: token,
      ...(req.policy ? { Policy: req.policy } : {}),
      ...(req.policyArns.length ? { PolicyArns: req.policyArns.map((arn) => ({ arn })) } : {}),
    };
    try {
      const out = await client.send(new sdk.AssumeRoleWithWebIdentityCommand(input));
      return credentialsOf(out.Credentials, out.AssumedRoleUser?.Arn);
    } catch (e) {
      throw stsError("Error assuming role with web identity: ", e, this.#secrets([token]));
    }
  }

  async getFederationToken(name: string, durationSeconds: number, policy: string, policyArns: string[]): Promise<StsCredentials> {
    const { client, sdk } = await this.#get();
    try {
      const out = await client.send(
        new sdk.GetFederationTokenCommand({ Name: name, DurationSeconds: durationSeconds, ...(policy ? { Policy: policy } : {}), ...(policyArns.length ? { PolicyArns: policyArns.map((arn) => ({ arn })) } : {}) }),
      );
      return credentialsOf(out.Credentials, out.FederatedUser?.Arn);
    } catch (e) {
      throw stsError("Error generating STS keys: ", e, this.#secrets());
    }
  }

  async getSessionToken(durationSeconds: number, serialNumber: string, mfaCode: string): Promise<StsCredentials> {
    const { client, sdk } = await this.#get();
    try {
      const out = await client.send(new sdk.GetSessionTokenCommand({ DurationSeconds: durationSeconds, ...(serialNumber ? { SerialNumber: serialNumber } : {}), ...(mfaCode ? { TokenCode: mfaCode } : {}) }));
      return credentialsOf(out.Credentials, undefined);
    } catch (e) {
      throw stsError("Error generating STS keys: ", e, this.#secrets([mfaCode]));
    }
  }

  close(): void {
    const held = this.#client;
    this.#client = undefined;
    void held?.then(({ client }) => client.destroy()).catch(() => undefined);
  }
}
