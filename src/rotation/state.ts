/**
 * The rotation runner's state between steps, one record per secret, in the state directory
 * (`<git dir>/secrets-server/rotation/`, shared with `secrets serve`): which step a rotation
 * reached, how many attempts it used, when the previous credential may be disabled, and the pending
 * values. The pending values (and the previous ones, which the alternating strategy's finish needs)
 * are never written in clear: they are one JSON document age-encrypted to the recipients of the
 * secret's own file, so whoever can read the secret can resume its rotation, and the state
 * directory alone (a backup, a copied `.git`) opens nothing.
 *
 * A record that exists is a rotation in progress (or `stuck`): the runner resumes it rather than
 * start another, so a secret never has two pending rotations. Records are written atomically; the
 * runner holds the record's file lock (src/io/lock.ts) while it works on one, so two runners never
 * drive the same secret at once.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { isLockFileName } from "../io/lock.js";
import type { KeySource } from "../sops/keysource.js";
import { parseWith } from "../util/zod-error.js";

export const ROTATION_STATE_FOLDER = "rotation";

/**
 * `created`: pending values made; `set`: the external system has them; `tested`: they work;
 * `committed`: the secret's file holds them, committed (waiting for `finish_after`); `stuck`: the
 * attempts ran out (nothing pending; a person looks, then `rotate values --reset PATH`).
 */
export const RotationStep = z.enum(["created", "set", "tested", "committed", "stuck"]);
export type RotationStep = z.infer<typeof RotationStep>;

const Wrapped = z.strictObject({ recipient: z.string(), enc: z.string() });

export const RotationRecord = z.strictObject({
  version: z.literal(1),
  secret: z.string().min(1),
  step: RotationStep,
  attempt: z.int().min(0),
  started_at: z.int(),
  updated_at: z.int(),
  /** Unix seconds after which `finish` runs (the grace period of the previous credential). */
  finish_after: z.int().nullable(),
  /** The pending and previous values, age-encrypted to each recipient; null when none are held. */
  values: z.array(Wrapped).nullable(),
  /** The last failure's message (already free of values), for `rotation status`. */
  error: z.string().nullable(),
});
export type RotationRecord = z.infer<typeof RotationRecord>;

/** What the encrypted document holds. */
export interface HeldValues {
  pending: Record<string, string>;
  previous: Record<string, string | null>;
}

const HeldValuesSchema = z.strictObject({ pending: z.record(z.string(), z.string()), previous: z.record(z.string(), z.string().nullable()) });

export class RotationStateStore {
  readonly dir: string;
  readonly #keys: KeySource;

  /** `stateDir`: the server's state directory; records go to its `rotation/` folder. */
  constructor(stateDir: string, keys: KeySource) {
    this.dir = path.join(stateDir, ROTATION_STATE_FOLDER);
    this.#keys = keys;
  }

  /** The record's file: named by a digest of the path, so any secret path makes a safe file name. */
  fileOf(secret: string): string {
    return path.join(this.dir, createHash("sha256").update(secret).digest("hex").slice(0, 32) + ".json");
  }

  async get(secret: string): Promise<RotationRecord | null> {
    const file = this.fileOf(secret);
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SecretsError("read-input", `could not read the rotation state of ${secret}`, { cause: e });
    }
    return this.#parse(text, secret);
  }

  #parse(text: string, shown: string): RotationRecord {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new SecretsError("config", `the rotation state of ${shown} is not JSON`);
    }
    return parseWith(RotationRecord, raw, ([issue]) => new SecretsError("config", `the rotation state of ${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
  }

  /** Makes the folder (the runner takes a record's lock before it writes the record). */
  async ensureDir(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async put(record: RotationRecord): Promise<void> {
    await this.ensureDir();
    await writeFileAtomic(this.fileOf(record.secret), JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  }

  async remove(secret: string): Promise<void> {
    await fsp.rm(this.fileOf(secret), { force: true });
  }

  /** Every record (rotations in progress and stuck ones), by secret path. */
  async all(): Promise<RotationRecord[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new SecretsError("read-input", `could not read ${this.dir}`, { cause: e });
    }
    const out: RotationRecord[] = [];
    for (const n of names.sort()) {
      if (!n.endsWith(".json") || isLockFileName(n)) continue;
      const text = await fsp.readFile(path.join(this.dir, n), "utf8").catch(() => null);
      if (text !== null) out.push(this.#parse(text, n));
    }
    return out.sort((a, b) => (a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : 0));
  }

  /** The values, encrypted to each of `recipients` (the secret file's). */
  async seal(values: HeldValues, recipients: readonly string[]): Promise<Array<{ recipient: string; enc: string }>> {
    if (recipients.length === 0) throw new SecretsError("no-recipients", "the secret's file has no age recipient to keep the pending value for");
    const bytes = new TextEncoder().encode(JSON.stringify(values));
    return Promise.all(recipients.map(async (recipient) => ({ recipient, enc: await this.#keys.wrap(bytes, recipient) })));
  }

  /** The values back; kind `no-key` when no identity opens them. */
  async open(record: RotationRecord): Promise<HeldValues> {
    for (const entry of record.values ?? []) {
      const bytes = await this.#keys.unwrap(entry);
      if (bytes === null) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new SecretsError("config", `the pending values of ${record.secret} are damaged`);
      }
      return parseWith(HeldValuesSchema, raw, () => new SecretsError("config", `the pending values of ${record.secret} are damaged`));
    }
    throw new SecretsError("no-key", `none of your identities opens the pending rotation of ${record.secret} (${this.#keys.describe()})`);
  }
}
