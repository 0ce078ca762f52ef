/**
 * A value generator of scheduled rotation (`.secrets/rotation.yaml`'s `generator:`): what makes a
 * new value and puts it into the system the value unlocks. The rotation runner
 * (src/rotation/runner.ts) drives every generator through AWS Secrets Manager's four steps, and
 * keeps the state between them (the pending value, encrypted, and which step it reached), so a
 * generator holds no state of its own and each step may be called again after a crash:
 *
 * 1. `create`: a fresh value set, never the same twice (a retry gets a new one). No side effect
 *    outside this process.
 * 2. `set`: the external system accepts the pending values (ALTER ROLE … PASSWORD, an API call).
 *    Idempotent: called again with the same pending values after a kill.
 * 3. `test`: the pending values work (log in with them). Throws, and the runner rolls back or
 *    retries with a fresh value; nothing is committed.
 * 4. `finish`: after the commit that made the pending values current, whatever the system needs
 *    then (the alternating strategy's previous login is disabled after its grace period, later).
 *
 * Values are a record because a rotation may change several keys of one secret at once (the
 * alternating strategy changes `username` and `password` together). Keys are the secret's keys
 * (the leaves of one secret file's top-level map); values are strings. No method ever puts a
 * value in an error message.
 */

/** The secret being rotated, as every step sees it. */
export interface RotationTarget {
  /** The secret's path (`database/app`: the file `secrets/database/app.yaml`), no key. */
  readonly secret: string;
  /** The keys the rule rotates (`password`) and their current values (null: not there yet). */
  readonly current: Readonly<Record<string, string | null>>;
  /** The rule's generator options, as its zod schema parsed them. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Unix seconds. */
  readonly now: number;
}

export interface RotationGenerator {
  /** The `generator.type` of the rule (`random`, `postgres`, `jwt-key`, `command`). */
  readonly type: string;
  /**
   * Before step 1, with no side effect anywhere: whatever can be checked without touching the
   * external system is (the connection is configured, the program exists), so that a rotation that
   * cannot finish never starts.
   */
  validate?(target: RotationTarget): Promise<void>;
  /**
   * Keys beside the rotated one that the generator reads and may rewrite with it (the postgres
   * generator's `username`): the runner puts them into `target.current` too.
   */
  readonly siblings?: readonly string[];
  /** Step 1: the new values, keyed as `target.current` (a generator may add keys, e.g. `username`). */
  create(target: RotationTarget): Promise<Record<string, string>>;
  /** Step 2: the external system accepts `pending`. Idempotent. A no-op for `random`. */
  set(target: RotationTarget, pending: Readonly<Record<string, string>>): Promise<void>;
  /** Step 3: `pending` works. Throws (kind `engine-failed` or `engine-unavailable`) when it does not. */
  test(target: RotationTarget, pending: Readonly<Record<string, string>>): Promise<void>;
  /** Step 4: after the commit that made `pending` current. Idempotent. */
  finish(target: RotationTarget, pending: Readonly<Record<string, string>>): Promise<void>;
  /** Releases what the generator holds open (a connection pool). */
  close?(): Promise<void>;
}
