/**
 * A dynamic secrets engine: mints a credential in an external system (a database role, later STS
 * keys, a certificate, a JWT) on each request, and renews and revokes it. The lease manager
 * (src/leases/manager.ts) is the one caller: it gives each credential its lease id, keeps the
 * records and retries revocations; an engine knows nothing of leases beyond the id it is handed.
 * The CLI, the SDK, the Action and the server's mounts all go through the manager, so an engine is
 * library code with no HTTP, no printing and no state of its own besides connections it may pool.
 *
 * Errors are SecretsErrors. `engine-unavailable` means the external system could not be reached
 * or dropped the connection (the manager retries those); anything else is final. No message ever
 * holds a credential or the engine's own secrets (an admin password): engines sanitize what their
 * clients say before it becomes a message.
 */

/** `<mount>/creds/<role>` asked for. */
export interface IssueRequest {
  role: string;
  /** Seconds asked for; 0: the role's default. Capped at the role's max TTL, with Vault's warning. */
  ttl: number;
  /** Who asks: Vault's request display name (the token's), sanitized and shortened into names the engine makes. */
  displayName: string;
  /** Unix seconds. */
  now: number;
  /** The endpoint segment it was asked through when not `creds` (`sts`: Vault's `aws/sts/<role>`). */
  endpoint?: string;
  /**
   * The request's engine-specific fields, as strings (Vault's `role_arn`, `role_session_name`,
   * `mfa_code` for AWS). An engine reads the ones it knows and ignores the rest; none is a secret
   * it may echo (an MFA code is used once and never put in a message).
   */
  parameters?: Readonly<Record<string, string>>;
}

/** A credential just made. `data` is handed to the caller once and kept nowhere. */
export interface IssuedCredential {
  /** The engine's name for it, the lease id's last segment: enough to find it again with no record. */
  credentialId: string;
  /** The values (`username`, `password`), as Vault's response `data`. */
  data: Record<string, string>;
  /** Seconds it lives, from the request's `now`. */
  ttl: number;
  renewable: boolean;
  warnings: string[];
  /** What revocation needs should the role's configuration be gone (Vault's InternalData); no secret. */
  internal: Record<string, string | string[]>;
}

/** A credential a lease names, as the manager knows it. */
export interface LeasedCredential {
  leaseId: string;
  role: string;
  credentialId: string;
  /** Unix seconds, from the lease's record; null with no record (the engine may read it from the credential). */
  issueTime: number | null;
  /** The record's internal data; {} with no record. */
  internal: Readonly<Record<string, string | readonly string[]>>;
}

/** What the external system says of a credential, for a lease with no record. */
export interface CredentialState {
  /** Unix seconds; null when the system cannot say. */
  issueTime: number | null;
  /** Unix seconds after which it no longer works; null: never. */
  expireTime: number | null;
}

export interface RenewedCredential {
  /** Seconds it lives now, from the renewal's `now`. */
  ttl: number;
  warnings: string[];
}

/** What an engine's own reaper did. */
export interface EngineTidyReport {
  /** The lease ids of expired credentials it removed from the external system (records or not). */
  reaped: string[];
  /** What it could not do (a connection it could not reach, a role it could not drop): one line each, no secret. */
  failures: string[];
}

export interface DynamicEngine {
  /** Vault's engine type (`database`). */
  readonly type: string;
  /** Where it is mounted, without the trailing slash (`database`): the first part of its lease ids. */
  readonly mount: string;
  /**
   * Makes a credential for `role`. Kind `usage` for an unknown role (Vault's `unknown role: <name>`),
   * `config` for a role or connection the repository configures badly.
   */
  issue(request: IssueRequest): Promise<IssuedCredential>;
  /** The credential as the external system has it now; null when it is not there (revoked, reaped, never made). */
  state(credential: LeasedCredential): Promise<CredentialState | null>;
  /**
   * Extends the credential: by `increment` seconds from `now` (0: the role's default TTL), never past
   * issue time + the role's max TTL (capped, with Vault's warning; at or past it, kind `usage`
   * `past the max TTL, cannot renew`).
   */
  renew(credential: LeasedCredential, increment: number, now: number): Promise<RenewedCredential>;
  /**
   * Removes the credential so that it works no more, sessions opened with it included. Idempotent:
   * a credential that is not there is success.
   */
  revoke(credential: LeasedCredential): Promise<void>;
  /**
   * What every successful revocation of this engine's credentials has to say, if anything: an engine
   * whose credentials cannot be taken back before they expire (AWS STS) revokes only the lease, and
   * says so. The manager passes these on with each revocation's result.
   */
  readonly revocationWarnings?: readonly string[];
  /** Removes every expired credential this tool made in the external system, whether or not a record of it is left. */
  tidy(now: number): Promise<EngineTidyReport>;
  /** Releases pooled connections. The engine may be used again after (it reconnects). */
  close(): Promise<void>;
}

/** The engines a lease manager can reach, by mount. */
export interface EngineResolver {
  /** The engine mounted at `mount` (no trailing slash), or undefined. */
  engine(mount: string): DynamicEngine | undefined;
  /** Every engine, for `tidy` and `close`. */
  engines(): readonly DynamicEngine[];
}

/** A fixed set of engines (the CLI's; the server builds its own from its mount table). */
export function engineTable(engines: readonly DynamicEngine[]): EngineResolver {
  const byMount = new Map(engines.map((e) => [e.mount, e]));
  return { engine: (mount) => byMount.get(mount), engines: () => [...byMount.values()] };
}
