import { setTimeout as sleep } from "node:timers/promises";

/**
 * Bounded retries with exponential backoff, for the requests of the SDK's client of a server. As
 * Vault's Go client (go-retryablehttp's DefaultRetryPolicy): a request is tried again after a
 * connection failure (refused, reset, timed out, cut mid-answer) and after a 5xx other than 501;
 * never after a 4xx, which the same request would get again.
 *
 * Writes are retried too, since each is safe to send twice: a merge patch of one key gives the same
 * data again, and a whole-data write carries check-and-set, so one that was applied but whose answer
 * was lost fails its retry with a mismatch (the caller then reads again) instead of overwriting a
 * newer version; a custom_metadata write sets the same map again.
 */

export interface RetryPolicy {
  /** Tries after the first one (0: none). */
  retries: number;
  /** The wait before the first retry; each next one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF = { baseDelayMs: 100, maxDelayMs: 2_000 } as const;

/** Whether a status is worth trying again: 5xx but 501 (Not Implemented will not change). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status !== 501;
}

/**
 * The wait before retry `n` (0-based): base × 2^n, capped, with "equal jitter" (half fixed, half
 * random) so that clients that failed together do not all come back at the same instant.
 */
export function backoffDelay(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
  return full / 2 + (full / 2) * random();
}

/** One try's result: a value, or the error it failed with. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `attempt` until `retryable` says its outcome is final or the retries are spent, waiting
 * `backoffDelay` between tries; returns the last value or throws the last error.
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, retryable: (outcome: Attempt<T>) => boolean): Promise<T> {
  for (let n = 0; ; n++) {
    let outcome: Attempt<T>;
    try {
      outcome = { ok: true, value: await attempt() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (n >= policy.retries || !retryable(outcome)) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    await sleep(backoffDelay(n, policy));
  }
}
