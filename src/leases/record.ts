/**
 * A lease's record, as a lease store keeps it (Vault's leaseEntry, internal/vault/expiration.go,
 * the fields this tool needs). No secret is ever in it: the credential's password was returned
 * once, to the caller, and is kept nowhere. Times are Unix seconds, durations seconds.
 */
import { z } from "zod";
import { SecretsError } from "../errors.js";
import { parseWith } from "../util/zod-error.js";

const Seconds = z.int().min(0);

/** Vault keeps at most 240 characters of a failed revocation's error (maxIrrevocableErrorLength). */
export const MAX_REVOKE_ERROR_LENGTH = 240;

export const LeaseRecord = z.strictObject({
  version: z.literal(1),
  lease_id: z.string().min(1),
  /** The request path that issued it (`database/creds/app`), as Vault's lookup shows it. */
  path: z.string().min(1),
  issue_time: Seconds,
  expire_time: Seconds,
  last_renewal: Seconds.nullable(),
  /** The TTL last given, at creation or by the last renewal. */
  ttl: Seconds,
  renewable: z.boolean(),
  /** Who asked for it (Vault's display name of the token; the CLI's `--display-name`). */
  display_name: z.string(),
  /**
   * What the engine needs to revoke the credential should its role's configuration be gone
   * (Vault's Secret.InternalData: `db_name`, `revocation_statements`). Never a secret.
   */
  internal: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  /**
   * Non-empty once revocation failed for good: the lease is irrevocable (Vault's RevokeErr). It is
   * listed, revocation is tried again by `tidy`, and `revoke --force` drops the record.
   */
  revoke_error: z.string().max(MAX_REVOKE_ERROR_LENGTH),
});
export type LeaseRecord = z.infer<typeof LeaseRecord>;

/** Whether revocation of this lease failed for good (Vault's leaseEntry.isIrrevocable). */
export function isIrrevocable(record: LeaseRecord): boolean {
  return record.revoke_error !== "";
}

/** A record read back from a store. Kind `read-input` when it is not what this tool wrote. */
export function parseLeaseRecord(raw: unknown, shown: string): LeaseRecord {
  return parseWith(LeaseRecord, raw, ([issue]) => new SecretsError("read-input", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
}
