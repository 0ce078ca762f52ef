/**
 * Retrying a revocation whose external system is unreachable, as Vault's expiration manager does
 * (internal/vault/expiration.go revokeExponentialBackoff): after failed attempt n it waits
 * 2^n × base ± 50%, at random, and after a bounded number of attempts the lease is given up as irrevocable. Vault makes
 * 6 attempts from a 10 s base in the background; a command waiting on it uses a shorter policy.
 * Only kind `engine-unavailable` is retried: any other failure would fail the same way again.
 */
import { SecretsError } from "../errors.js";

export interface RetryPolicy {
  /** Attempts in all, at least 1. */
  attempts: number;
  /** The base delay, milliseconds. */
  baseMs: number;
}

/** Vault's background policy (maxRevokeAttempts, revokeRetryBase): for a server's timer. */
export const VAULT_REVOKE_RETRY: RetryPolicy = { attempts: 6, baseMs: 10_000 };

/** What a command waits for: about 1.75 s in all (0.25 + 0.5 + 1 s, each ± 50%). */
export const COMMAND_REVOKE_RETRY: RetryPolicy = { attempts: 4, baseMs: 125 };

/** Vault's wait after failed attempt `attempt` (from 1): 2^attempt × base, ± 50% at random. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = 2 ** attempt * policy.baseMs;
  return exp / 2 + random() * exp;
}

export interface RetryOutcome<T> {
  ok: boolean;
  value?: T;
  /** The last failure when not ok. */
  error?: SecretsError;
  attempts: number;
}

/**
 * Runs `attempt` until it succeeds, fails with a kind other than `engine-unavailable`, or has run
 * `policy.attempts` times. Never throws what `attempt` throws: the outcome says. A thrown value that
 * is not a SecretsError is rethrown (a bug, not a failure of the external system).
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<RetryOutcome<T>> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await attempt(), attempts: n };
    } catch (e) {
      if (!(e instanceof SecretsError)) throw e;
      if (e.kind !== "engine-unavailable" || n >= attempts) return { ok: false, error: e, attempts: n };
      await sleep(backoffMs(policy, n));
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
