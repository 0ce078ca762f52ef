/**
 * Where lease records live. The CLI and `secrets serve` use the state directory
 * (directory-store.ts); replicas (#18) will share one in PostgreSQL. The lease manager
 * (manager.ts) is the only writer; engines never see the store.
 *
 * A record is an index of what was issued, not the authority on it: the lease id alone names the
 * credential, and the engine's own system (the database's roles) is what `tidy` reaps from. So a
 * lost store leaks nothing past the credentials' expiry.
 */
import type { LeaseRecord } from "./record.js";

export interface LeaseStore {
  /** The record of `leaseId`, or null. */
  get(leaseId: string): Promise<LeaseRecord | null>;
  /**
   * Runs `change` with the lease's current record (null: none) while holding that lease's lock,
   * against this process and others sharing the store, then stores what it returns: a record
   * replaces the old one (atomically: a reader sees the old or the new, never a part), null removes
   * it, undefined leaves it as it is. `change` may be slow (a revocation with its retries): other
   * changes of the same lease wait; other leases do not. What `change` throws is rethrown, and
   * nothing is stored.
   */
  update(leaseId: string, change: (current: LeaseRecord | null) => Promise<LeaseRecord | null | undefined>): Promise<void>;
  /** Every record whose lease id starts with `prefix` ("" for all), sorted by lease id. */
  list(prefix?: string): Promise<LeaseRecord[]>;
}
