/**
 * The rotation runner: drives each secret's generator through the four steps (generator.ts) and
 * keeps the state between them (state.ts), so that a kill at any point leaves a record the next run
 * completes:
 *
 *     (none) ─validate─▶ created ─set─▶ set ─test─▶ tested ─write+commit─▶ committed ─finish─▶ (none)
 *                          ▲                │ fails
 *                          └── fresh value ─┘ (bounded: after `retries` attempts, stuck)
 *
 * - **Validated first**: the rule's generator checks what it can with no side effect, the secret's
 *   file opens with our identities and has no uncommitted change; only then is a value made and the
 *   external system touched.
 * - **Never two pending rotations**: a secret's record is its one rotation in progress; a run
 *   resumes it, never starts another, and holds the record's lock while it works, so two runners
 *   never drive one secret at once (the second is told it is locked).
 * - **A fresh value on each retry**: a failed `create`, `set` or `test` counts one attempt, and the
 *   next attempt starts from `create`. After `retries` attempts the secret is marked `stuck` (listed
 *   by `rotation status`), after putting the current value back into the external system for the
 *   `single` strategy (best effort), so the committed value keeps working.
 * - **The commit** holds the new values and `rotated_at` in the value's metadata (covered by the
 *   MAC), and its message names the secret's path and generator, never a value.
 * - **finish** runs once the grace period (alternating) has passed; until then the record waits
 *   in `committed` and a later run finishes it.
 *
 * Nothing here prints: the runner returns one outcome per secret, whose messages hold no value
 * (errors from generators are SecretsErrors, whose messages are made free of values where they are
 * made). `onStep` is called after each step is recorded, for the CLI's kill-at-step test hook and
 * for the server's audit lines.
 */
import path from "node:path";
import { SecretsError } from "../errors.js";
import { commitPaths } from "../git/commit.js";
import { git } from "../git/exec.js";
import { withFileLock } from "../io/lock.js";
import type { SecretRepository } from "../secrets/repository.js";
import { formatSecretPath, parseSecretPath } from "../secrets/path.js";
import type { RotationGenerator, RotationTarget } from "./generator.js";
import { ROTATED_AT, rotationInventory, type InventoryItem } from "./inventory.js";
import type { RotationPolicyRule } from "./policy.js";
import { ruleFor } from "./policy.js";
import { isoSeconds } from "./schedule.js";
import type { HeldValues, RotationRecord, RotationStateStore, RotationStep } from "./state.js";

export type RotationAction =
  /** The rotation ran to its end (or to `committed`, waiting for the grace period). */
  | "rotated"
  /** --dry-run: it would rotate; nothing was changed. */
  | "would-rotate"
  /** The previous credential's grace period has not passed: finish runs later. */
  | "waiting"
  /** The grace period passed and finish ran. */
  | "finished"
  /** Its attempts ran out: nothing pending, the committed value kept. */
  | "stuck"
  /** Another runner holds it. */
  | "locked"
  /** Failed before anything changed (validation). */
  | "failed"
  /**
   * Its commit is not in this checkout (the pull request of the GitOps flow was closed unmerged, or
   * the branch was reset): the record is dropped without finish, so the credential that is still
   * current is never disabled.
   */
  | "abandoned";

export interface RotationOutcome {
  secret: string;
  action: RotationAction;
  /** The step its record is at after this run (null: no record). */
  step: RotationStep | null;
  attempts: number;
  commit: string | null;
  /** Why, for stuck/failed/locked; never a value. */
  message: string | null;
}

export interface RunnerOptions {
  repo: SecretRepository;
  /** The work tree's top level (commits are made there). */
  top: string;
  rules: readonly RotationPolicyRule[];
  store: RotationStateStore;
  generatorFor: (rule: RotationPolicyRule) => RotationGenerator;
  /** Unix seconds, read at each step. */
  now: () => number;
  /** Called after each step is recorded (the CLI's test hook; the server's audit). */
  onStep?: (secret: string, step: RotationStep | "finished", attempt: number) => Promise<void> | void;
  /** git's environment for commits (default this process's). */
  gitEnv?: NodeJS.ProcessEnv;
  /**
   * Makes the rotation's commit of `paths` (repo-relative) instead of git directly: the server
   * passes its commit queue, the one writer of its repository's index.
   */
  commit?: (paths: readonly string[], message: string) => Promise<string | null>;
}

export interface RunRequest {
  /** These secrets (each must be under a rule), whatever their schedule. */
  paths?: readonly string[];
  /** Every secret whose schedule says it is due, and every rotation in progress. */
  due?: boolean;
  dryRun?: boolean;
  /** Forget a stuck record first, so the secret rotates again. */
  reset?: boolean;
  /** Only finish rotations waiting in `committed` (the GitOps flow's expire job); never start one. */
  finishOnly?: boolean;
}

/** Only a rotation that keeps one key per secret: the key the rule matched, plus the generator's siblings. */
function keyOf(secret: string): { parent: string[]; key: string } {
  const segs = parseSecretPath(secret);
  return { parent: segs.slice(0, -1), key: segs[segs.length - 1]! };
}

function messageOf(e: unknown): string {
  return e instanceof SecretsError ? e.message : "the step failed";
}

export class RotationRunner {
  readonly #o: RunnerOptions;

  constructor(options: RunnerOptions) {
    this.#o = options;
  }

  /** What `request` selects, in path order. */
  async #select(request: RunRequest): Promise<InventoryItem[]> {
    const items = await rotationInventory(this.#o.repo, this.#o.rules, this.#o.store, this.#o.now());
    if (request.paths?.length) {
      const out: InventoryItem[] = [];
      for (const p of request.paths) {
        const text = formatSecretPath(parseSecretPath(p));
        const item = items.find((i) => i.secret === text);
        if (!item) {
          throw new SecretsError("usage", ruleFor(this.#o.rules, text) ? `secret ${text} not found` : `${text} is under no rule of .secrets/rotation.yaml`);
        }
        out.push(item);
      }
      return out;
    }
    if (request.finishOnly) return items.filter((i) => i.record?.step === "committed");
    if (request.due) return items.filter((i) => i.record !== null || i.scheduled);
    return [];
  }

  async run(request: RunRequest): Promise<RotationOutcome[]> {
    const out: RotationOutcome[] = [];
    for (const item of await this.#select(request)) out.push(await this.#one(item, request));
    return out;
  }

  async #one(item: InventoryItem, request: RunRequest): Promise<RotationOutcome> {
    const file = this.#o.store.fileOf(item.secret);
    await this.#o.store.ensureDir();
    try {
      // The lock is held for the whole rotation: a minute-long `set` must not look abandoned
      // (a dead holder on this host is recognised by its pid at once).
      return await withFileLock(file, () => this.#locked(item, request), { timeoutMs: 1000, staleMs: 24 * 3600 * 1000 });
    } catch (e) {
      if (e instanceof SecretsError && e.kind === "locked") return { secret: item.secret, action: "locked", step: item.record?.step ?? null, attempts: item.record?.attempt ?? 0, commit: null, message: "another rotation of it is running" };
      throw e;
    }
  }

  async #step(record: RotationRecord, step: RotationStep | "finished"): Promise<void> {
    await this.#o.onStep?.(record.secret, step, record.attempt);
  }

  async #locked(item: InventoryItem, request: RunRequest): Promise<RotationOutcome> {
    const { store } = this.#o;
    let record = await store.get(item.secret);
    if (request.finishOnly && record?.step !== "committed") return { secret: item.secret, action: "waiting", step: record?.step ?? null, attempts: record?.attempt ?? 0, commit: null, message: "no finished commit waiting: nothing to do" };
    const outcome = (action: RotationAction, rec: RotationRecord | null, message: string | null = null, commit: string | null = null, attempts?: number): RotationOutcome => ({
      secret: item.secret,
      action,
      step: rec?.step ?? null,
      attempts: attempts ?? rec?.attempt ?? 0,
      commit,
      message,
    });
    if (record?.step === "stuck") {
      if (!request.reset) return outcome("stuck", record, record.error);
      if (request.dryRun) return outcome("would-rotate", record);
      await store.remove(item.secret);
      record = null;
    }
    // Another run may have finished it while this one waited for the lock.
    if (!record && !request.paths?.length && !item.scheduled) return outcome("rotated", null);

    const generator = this.#o.generatorFor(item.rule);
    try {
      if (!record) {
        if (request.dryRun) {
          try {
            await generator.validate?.(await this.#target(item, generator, null));
            await this.#checkClean(item.file);
          } catch (e) {
            if (e instanceof SecretsError) return outcome("failed", null, e.message);
            throw e;
          }
          return outcome("would-rotate", null);
        }
        return await this.#fresh(item, generator, outcome);
      }
      if (request.dryRun) return outcome(record.step === "committed" ? "waiting" : "would-rotate", record);
      // Resuming: the values held say what is pending and what was current before (none yet: a
      // kill before the first value was kept, so nothing outside has changed; start from create).
      const held = record.values === null ? null : await store.open(record);
      const r = await this.#attempts(item, generator, record, await this.#target(item, generator, held?.previous ?? null), held);
      // Only the previous rotation's finish was left: a secret asked for by path (or due again)
      // now rotates afresh, from the values that finish left current.
      if (r.action !== "finished" || request.finishOnly || !(request.paths?.length || item.scheduled)) return outcome(r.action, r.record, r.record?.error ?? null, r.commit, r.attempts);
      return await this.#fresh(item, generator, outcome);
    } finally {
      await generator.close?.();
    }
  }

  /** A new rotation of a secret with no record: validated, then the four steps. */
  async #fresh(item: InventoryItem, generator: RotationGenerator, outcome: (action: RotationAction, rec: RotationRecord | null, message?: string | null, commit?: string | null, attempts?: number) => RotationOutcome): Promise<RotationOutcome> {
    const target = await this.#target(item, generator, null);
    try {
      await generator.validate?.(target);
      await this.#checkClean(item.file);
    } catch (e) {
      if (e instanceof SecretsError) return outcome("failed", null, e.message);
      throw e;
    }
    const now = this.#o.now();
    const fresh: RotationRecord = { version: 1, secret: item.secret, step: "created", attempt: 0, started_at: now, updated_at: now, finish_after: null, values: null, error: null };
    const r = await this.#attempts(item, generator, fresh, target, null);
    return outcome(r.action, r.record, r.record?.error ?? null, r.commit, r.attempts);
  }

  /** The target: the secret's current values (or the ones before a rotation being resumed). */
  async #target(item: InventoryItem, generator: RotationGenerator, previous: HeldValues["previous"] | null): Promise<RotationTarget> {
    const { parent, key } = keyOf(item.secret);
    let current: Record<string, string | null>;
    if (previous) {
      current = { ...previous };
    } else {
      current = {};
      for (const k of [key, ...(generator.siblings ?? [])]) {
        const p = formatSecretPath([...parent, k]);
        const entry = await this.#o.repo.readEntry(p).catch((e: unknown) => {
          if (k !== key && e instanceof SecretsError && e.kind === "not-found") return null;
          throw e;
        });
        const v = entry?.value;
        if (entry !== null && v !== undefined && typeof v !== "string") throw new SecretsError("usage", `${p} is not a string value; rotation replaces strings only`);
        current[k] = typeof v === "string" ? v : null;
      }
    }
    return { secret: formatSecretPath(parent), current, options: item.rule.generator, now: this.#o.now() };
  }

  /** Refuses a secret whose file has uncommitted changes: the rotation's commit must hold only its own. */
  async #checkClean(file: string): Promise<void> {
    const rel = path.relative(this.#o.top, file).split(path.sep).join("/");
    const r = await git(["status", "--porcelain", "--", rel], { cwd: this.#o.top });
    if (r.stdout.toString("utf8").trim() !== "") throw new SecretsError("conflict", `${rel} has uncommitted changes; commit or discard them before rotating its values`);
  }

  async #save(record: RotationRecord, patch: Partial<RotationRecord>): Promise<RotationRecord> {
    const next = { ...record, ...patch, updated_at: this.#o.now() };
    await this.#o.store.put(next);
    return next;
  }

  async #recipients(file: string): Promise<string[]> {
    const opened = await this.#o.repo.openFile(file);
    return [...new Set(opened.doc.metadata.keyGroups.flatMap((g) => g.age.map((a) => a.recipient)))];
  }

  /** The steps from where `record` stands; `held` are the values of a rotation being resumed. */
  async #attempts(
    item: InventoryItem,
    generator: RotationGenerator,
    record: RotationRecord,
    target: RotationTarget,
    held: HeldValues | null,
  ): Promise<{ action: RotationAction; record: RotationRecord | null; commit: string | null; attempts: number }> {
    const rule = item.rule;
    const resumedAt = held ? record.step : null;
    let rec = record;
    let pending: Record<string, string> | null = held?.pending ?? null;
    let commit: string | null = null;
    for (;;) {
      const step = pending === null ? "create" : rec.step;
      try {
        if (step === "create") {
          rec = await this.#save(rec, { attempt: rec.attempt + 1, step: "created", values: null });
          const made = await generator.create(target);
          rec = await this.#save(rec, { values: await this.#o.store.seal({ pending: made, previous: target.current }, await this.#recipients(item.file)) });
          pending = made;
          await this.#step(rec, "created");
          continue;
        }
        if (step === "created") {
          await generator.set(target, pending!);
          rec = await this.#save(rec, { step: "set" });
          await this.#step(rec, "set");
          continue;
        }
        if (step === "set") {
          await generator.test(target, pending!);
          rec = await this.#save(rec, { step: "tested" });
          await this.#step(rec, "tested");
          continue;
        }
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
        if (rec.attempt < rule.retries) {
          pending = null;
          rec = await this.#save(rec, { error: messageOf(e) });
          continue;
        }
        // Out of attempts: the committed value must keep working where a `set` may have replaced it.
        if (rule.strategy === "single" && Object.values(target.current).every((v) => v !== null)) {
          await generator.set(target, target.current as Record<string, string>).catch(() => undefined);
        }
        rec = await this.#save(rec, { step: "stuck", values: null, error: messageOf(e) });
        await this.#step(rec, "stuck");
        return { action: "stuck", record: rec, commit, attempts: rec.attempt };
      }
      if (step === "tested") {
        commit = await this.#commit(item, pending!);
        const finishAfter = rule.strategy === "alternating" ? this.#o.now() + rule.graceSeconds : this.#o.now();
        rec = await this.#save(rec, { step: "committed", finish_after: finishAfter, error: null });
        await this.#step(rec, "committed");
        continue;
      }
      // committed: finish once the grace period has passed, and only where the commit is (a
      // record resumed in a checkout whose file does not hold the pending values was abandoned).
      if (resumedAt === "committed" && !(await this.#holds(item, pending!))) {
        await this.#o.store.remove(item.secret);
        await this.#step(rec, "finished");
        return { action: "abandoned", record: null, commit, attempts: rec.attempt };
      }
      if (rec.finish_after !== null && this.#o.now() < rec.finish_after) return { action: resumedAt === "committed" ? "waiting" : "rotated", record: rec, commit, attempts: rec.attempt };
      try {
        await generator.finish(target, pending!);
      } catch (e) {
        // The new value is committed and works; finish is tried again by the next run.
        if (!(e instanceof SecretsError)) throw e;
        rec = await this.#save(rec, { error: messageOf(e) });
        return { action: "waiting", record: rec, commit, attempts: rec.attempt };
      }
      await this.#o.store.remove(item.secret);
      await this.#step(rec, "finished");
      return { action: resumedAt === "committed" ? "finished" : "rotated", record: null, commit, attempts: rec.attempt };
    }
  }

  /** Whether the secret's file holds `pending` now. */
  async #holds(item: InventoryItem, pending: Readonly<Record<string, string>>): Promise<boolean> {
    const { parent } = keyOf(item.secret);
    for (const [k, v] of Object.entries(pending)) {
      const entry = await this.#o.repo.readEntry(formatSecretPath([...parent, k])).catch(() => null);
      if (entry?.value !== v) return false;
    }
    return true;
  }

  /**
   * Writes the pending values and `rotated_at` into the secret's file and commits that file alone.
   * Idempotent: a file that holds the pending values already is not written again, and a clean one
   * is not committed again (a kill between the write, the commit and the record's update).
   */
  async #commit(item: InventoryItem, pending: Readonly<Record<string, string>>): Promise<string | null> {
    const { key } = keyOf(item.secret);
    if (!(await this.#holds(item, pending))) {
      const metadata = { [key]: { [ROTATED_AT]: isoSeconds(this.#o.now()) } };
      await this.#o.repo.writeSiblings(item.secret, pending, metadata);
    }
    const rel = path.relative(this.#o.top, item.file).split(path.sep).join("/");
    const status = await git(["status", "--porcelain", "--", rel], { cwd: this.#o.top });
    if (status.stdout.toString("utf8").trim() === "") return null;
    const message = `secrets rotate values: ${item.secret} (${item.rule.generator.type}, ${item.rule.strategy})`;
    if (this.#o.commit) return this.#o.commit([rel], message);
    return commitPaths(this.#o.top, [rel], message, this.#o.gitEnv ? { env: this.#o.gitEnv } : {});
  }
}
