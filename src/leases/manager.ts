/**
 * Leases: the one place where dynamic credentials are issued, renewed, revoked, looked up, listed
 * and tidied, for the CLI now and the SDK, the Action and `secrets serve` (`<mount>/creds/:role`,
 * `sys/leases/*`) later, which are thin layers over this class. It follows Vault's expiration
 * manager (internal/vault/expiration.go) and answers in Vault's shapes and texts:
 *
 * - **Issue**: the engine makes the credential; the lease id is `<mount>/creds/<role>/<credential>`
 *   (lease-id.ts); a record is stored; should storing fail, the credential is revoked again (as
 *   Vault's Register does) and the error rethrown.
 * - **Renew / revoke / lookup by the lease id alone**: the id names the engine, the role and the
 *   credential, so with no record (another machine, a lost state directory) the engine is asked
 *   directly. A record, when there is one, is kept up to date.
 * - **Revocation retries** transient failures (`engine-unavailable`) with Vault's backoff (retry.ts);
 *   when the attempts run out, or the failure is final, the lease is marked irrevocable with the
 *   error (a record is made if there was none), listed, tried again by `tidy`, and `force` drops it.
 * - **Tidy** revokes expired and irrevocable leases, then lets every engine reap the expired
 *   credentials it made, records or not (a server killed with SIGKILL, a state directory lost).
 *
 * Every change of a lease runs under that lease's lock in the store, so two processes sharing a
 * state directory never renew and revoke one lease at once. Times are Unix seconds, passed in.
 */
import type { DynamicEngine, EngineResolver, LeasedCredential } from "../engines/engine.js";
import { SecretsError } from "../errors.js";
import { formatLeaseId, leasePath, parseCredsPath, parseLeaseId, type LeaseIdParts } from "./lease-id.js";
import { isIrrevocable, MAX_REVOKE_ERROR_LENGTH, type LeaseRecord } from "./record.js";
import { COMMAND_REVOKE_RETRY, withRetries, type RetryPolicy } from "./retry.js";
import type { LeaseStore } from "./store.js";

/** A leased secret as Vault's response envelope carries it (`lease_id`, `lease_duration`, `renewable`, `data`, `warnings`). */
export interface LeaseResponse {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  /** The credential: returned here once and kept nowhere. */
  data: Record<string, string>;
  warnings: string[];
}

/** A renewal's answer (`sys/leases/renew`): no data. */
export interface RenewResponse {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  warnings: string[];
}

/** `sys/leases/lookup`'s data, times as Unix seconds (the server formats them as Vault does). */
export interface LeaseInfo {
  id: string;
  path: string;
  issue_time: number | null;
  expire_time: number | null;
  last_renewal: number | null;
  /** Seconds left (negative once expired, as Vault's leaseEntry.ttl). */
  ttl: number;
  renewable: boolean;
  /** Set when the lease is irrevocable: why its revocation failed. */
  revoke_error?: string;
  /** Whether this came from a record (false: from the engine's system, for a lease with none). */
  recorded: boolean;
}

export interface RevokeResult {
  leaseId: string;
  /** Whether the credential is gone at the engine (false only with `force`, after a failure). */
  revoked: boolean;
  /** With `force`, why the engine could not revoke it (the record was dropped anyway). */
  error?: string;
  /** What the engine said besides success (AWS STS: the keys work until they expire). */
  warnings?: string[];
}

export interface TidyReport {
  /** Expired or irrevocable leases with a record, now revoked. */
  revoked: string[];
  /** Credentials the engines removed that no record named (or whose record was then removed). */
  reaped: string[];
  /** Leases whose revocation failed again: marked (still) irrevocable. */
  irrevocable: string[];
  /** What an engine could not do, one line each. */
  failures: string[];
}

export interface IssueOptions {
  /** Seconds asked for; 0 or absent: the role's default. */
  ttl?: number;
  /** Who asks (the token's display name on the server; the CLI's `--display-name`). */
  displayName: string;
  now: number;
  /** The request's engine-specific fields (Vault's `role_arn`, `role_session_name` for AWS); see IssueRequest. */
  parameters?: Readonly<Record<string, string>>;
}

export interface LeaseManagerOptions {
  engines: EngineResolver;
  store: LeaseStore;
  /** Revocation retries; default COMMAND_REVOKE_RETRY (a server's timer passes VAULT_REVOKE_RETRY). */
  retry?: RetryPolicy;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

/** Vault's `out of retries` prefix (expiration.go outOfRetriesMessage), then the error, cut to 240 characters. */
function revokeErrorText(error: SecretsError, outOfRetries: boolean): string {
  const text = outOfRetries ? `out of retries: ${error.message}` : error.message;
  return text.length > MAX_REVOKE_ERROR_LENGTH ? text.slice(0, MAX_REVOKE_ERROR_LENGTH) : text;
}

function credentialOf(leaseId: string, parts: LeaseIdParts, record: LeaseRecord | null): LeasedCredential {
  return { leaseId, role: parts.role, credentialId: parts.credentialId, issueTime: record?.issue_time ?? null, internal: record?.internal ?? {} };
}

function infoOf(record: LeaseRecord, now: number): LeaseInfo {
  const info: LeaseInfo = {
    id: record.lease_id,
    path: record.path,
    issue_time: record.issue_time,
    expire_time: record.expire_time,
    last_renewal: record.last_renewal,
    ttl: record.expire_time - now,
    // leaseEntry.renewable(): an irrevocable or expired lease is not.
    renewable: record.renewable && !isIrrevocable(record) && record.expire_time > now,
    recorded: true,
  };
  if (isIrrevocable(record)) info.revoke_error = record.revoke_error;
  return info;
}

export class LeaseManager {
  readonly #engines: EngineResolver;
  readonly #store: LeaseStore;
  readonly #retry: RetryPolicy;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;

  constructor(options: LeaseManagerOptions) {
    this.#engines = options.engines;
    this.#store = options.store;
    this.#retry = options.retry ?? COMMAND_REVOKE_RETRY;
    this.#sleep = options.sleep;
  }

  #engine(mount: string): DynamicEngine {
    const engine = this.#engines.engine(mount);
    if (!engine) throw new SecretsError("usage", `no dynamic secrets engine is mounted at ${mount}/`);
    return engine;
  }

  /** `<mount>/creds/<role>` (or `<mount>/sts/<role>`, `<mount>/<role>`): a new credential and its lease. */
  async issue(credsPath: string, options: IssueOptions): Promise<LeaseResponse> {
    const { mount, role, endpoint } = parseCredsPath(credsPath);
    const engine = this.#engine(mount);
    const ttl = options.ttl ?? 0;
    if (!Number.isInteger(ttl) || ttl < 0) throw new SecretsError("usage", "ttl must be a whole number of seconds, 0 or more");
    const issued = await engine.issue({ role, ttl, displayName: options.displayName, now: options.now, ...(endpoint ? { endpoint } : {}), ...(options.parameters ? { parameters: options.parameters } : {}) });
    const leaseId = formatLeaseId({ mount, role, credentialId: issued.credentialId, ...(endpoint ? { endpoint } : {}) });
    const record: LeaseRecord = {
      version: 1,
      lease_id: leaseId,
      path: leasePath({ mount, role, ...(endpoint ? { endpoint } : {}) }),
      issue_time: options.now,
      expire_time: options.now + issued.ttl,
      last_renewal: null,
      ttl: issued.ttl,
      renewable: issued.renewable,
      display_name: options.displayName,
      internal: issued.internal,
      revoke_error: "",
    };
    try {
      await this.#store.update(leaseId, () => Promise.resolve(record));
    } catch (e) {
      // Nothing would track the credential: take it back (expiration.go Register does the same).
      await engine.revoke(credentialOf(leaseId, parseLeaseId(leaseId), record)).catch(() => undefined);
      throw e;
    }
    return { lease_id: leaseId, lease_duration: issued.ttl, renewable: issued.renewable, data: issued.data, warnings: issued.warnings };
  }

  /**
   * Extends a lease by `increment` seconds (0: the role's default), capped at its max TTL with
   * Vault's warning. Kind `usage` with Vault's texts: `lease not found`, `lease expired`, `lease is
   * not renewable`, `lease is expired and has failed previous revocation attempts`, `past the max
   * TTL, cannot renew`.
   */
  async renew(leaseId: string, increment: number, now: number): Promise<RenewResponse> {
    if (!Number.isInteger(increment) || increment < 0) throw new SecretsError("usage", "increment must be a whole number of seconds, 0 or more");
    const parts = parseLeaseId(leaseId);
    const engine = this.#engine(parts.mount);
    let response: RenewResponse | undefined;
    await this.#store.update(leaseId, async (record) => {
      if (record) {
        if (isIrrevocable(record)) throw new SecretsError("usage", "lease is expired and has failed previous revocation attempts");
        if (record.expire_time <= now) throw new SecretsError("usage", "lease expired");
        if (!record.renewable) throw new SecretsError("usage", "lease is not renewable");
      } else {
        const state = await engine.state(credentialOf(leaseId, parts, null));
        if (!state) throw new SecretsError("usage", "lease not found");
        if (state.expireTime !== null && state.expireTime <= now) throw new SecretsError("usage", "lease expired");
      }
      const renewed = await engine.renew(credentialOf(leaseId, parts, record), increment, now);
      response = { lease_id: leaseId, lease_duration: renewed.ttl, renewable: true, warnings: renewed.warnings };
      return record ? { ...record, ttl: renewed.ttl, expire_time: now + renewed.ttl, last_renewal: now } : undefined;
    });
    return response!;
  }

  /**
   * Revokes a lease's credential (Vault's `sys/leases/revoke` with `sync`): success also when it
   * was gone already. Transient failures are retried (the manager's RetryPolicy); when that fails,
   * the lease is marked irrevocable and the error is thrown, saying so. With `force` (Vault's
   * `revoke-force`) one attempt is made and the record is dropped whatever happens: the result
   * says whether the credential is gone (if not, it stops working at its expiry, and `tidy` drops
   * it then).
   */
  async revoke(leaseId: string, options: { force?: boolean; now: number }): Promise<RevokeResult> {
    const parts = parseLeaseId(leaseId);
    const engine = this.#engine(parts.mount);
    const force = options.force ?? false;
    let result: RevokeResult = { leaseId, revoked: true };
    let failure: SecretsError | undefined;
    await this.#store.update(leaseId, async (record) => {
      const credential = credentialOf(leaseId, parts, record);
      const outcome = await withRetries(force ? { ...this.#retry, attempts: 1 } : this.#retry, () => engine.revoke(credential), this.#sleep);
      if (outcome.ok) {
        if (engine.revocationWarnings?.length) result = { ...result, warnings: [...engine.revocationWarnings] };
        return record ? null : undefined;
      }
      const error = outcome.error!;
      if (force) {
        result = { leaseId, revoked: false, error: error.message };
        return record ? null : undefined;
      }
      const revokeError = revokeErrorText(error, error.kind === "engine-unavailable");
      failure = new SecretsError(error.kind, `lease ${leaseId} could not be revoked (${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}): ${error.message}; it is marked irrevocable: \`secrets lease tidy\` tries again, \`secrets lease revoke --force\` drops it`);
      return record ? { ...record, revoke_error: revokeError } : irrevocableRecord(leaseId, parts, revokeError, options.now);
    });
    if (failure) throw failure;
    return result;
  }

  /** `sys/leases/lookup`. Kind `usage`, Vault's `invalid lease`, when neither a record nor the engine knows it. */
  async lookup(leaseId: string, now: number): Promise<LeaseInfo> {
    const parts = parseLeaseId(leaseId);
    const record = await this.#store.get(leaseId);
    if (record) return infoOf(record, now);
    const state = await this.#engine(parts.mount).state(credentialOf(leaseId, parts, null));
    if (!state) throw new SecretsError("usage", "invalid lease");
    const expired = state.expireTime !== null && state.expireTime <= now;
    return {
      id: leaseId,
      path: leasePath(parts),
      issue_time: state.issueTime,
      expire_time: state.expireTime,
      last_renewal: null,
      ttl: state.expireTime === null ? 0 : state.expireTime - now,
      renewable: state.expireTime !== null && !expired,
      recorded: false,
    };
  }

  /** The recorded leases under `prefix` ("" for all), sorted; `irrevocable` keeps only those (Vault's `sys/leases?type=irrevocable`). */
  async list(options: { prefix?: string; irrevocable?: boolean; now: number }): Promise<LeaseInfo[]> {
    const records = await this.#store.list(options.prefix ?? "");
    return records.filter((r) => !options.irrevocable || isIrrevocable(r)).map((r) => infoOf(r, options.now));
  }

  /**
   * Revokes every recorded lease that expired or is irrevocable, then has every engine reap the
   * expired credentials it made that are still there. Failures are reported, not thrown: one
   * unreachable database does not stop the others.
   */
  async tidy(now: number): Promise<TidyReport> {
    const report: TidyReport = { revoked: [], reaped: [], irrevocable: [], failures: [] };
    for (const record of await this.#store.list("")) {
      if (!isIrrevocable(record) && record.expire_time > now) continue;
      try {
        await this.revoke(record.lease_id, { now });
        report.revoked.push(record.lease_id);
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
        report.irrevocable.push(record.lease_id);
      }
    }
    for (const engine of this.#engines.engines()) {
      let reaped: string[];
      try {
        const engineReport = await engine.tidy(now);
        reaped = engineReport.reaped;
        report.failures.push(...engineReport.failures);
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
        report.failures.push(`${engine.mount}/: ${e.message}`);
        continue;
      }
      for (const leaseId of reaped) {
        report.reaped.push(leaseId);
        // The credential is gone: so is any record of it.
        await this.#store.update(leaseId, (current) => Promise.resolve(current ? null : undefined));
      }
    }
    return report;
  }

  /** Releases the engines' connections. */
  async close(): Promise<void> {
    await Promise.all(this.#engines.engines().map((e) => e.close()));
  }
}

/** The record of an irrevocable lease that had none: what is known is its id and why it failed. */
function irrevocableRecord(leaseId: string, parts: LeaseIdParts, revokeError: string, now: number): LeaseRecord {
  return {
    version: 1,
    lease_id: leaseId,
    path: leasePath(parts),
    issue_time: now,
    expire_time: now,
    last_renewal: null,
    ttl: 0,
    renewable: false,
    display_name: "",
    internal: {},
    revoke_error: revokeError,
  };
}
