/**
 * Lease records in a state directory: `<stateDir>/leases/<aa>/<sha256 of the lease id>.json`, one
 * file per lease (mode 0600, folders 0700), so that leases never contend with each other and a
 * write rewrites one small file. `<aa>` is the hash's first two hex digits: a write's lock scans its
 * folder for a killed writer's temp files, and 256 folders keep that scan short however many
 * leases there are.
 *
 * Every change runs under the file's lock (src/io/lock.ts: this process and others) and replaces
 * the file atomically (src/io/atomic.ts), so records survive a restart or a kill at any point, and
 * two processes changing one lease (the CLI and `secrets serve` sharing a state directory) take
 * turns. The state directory is never in the work tree: `.git/secrets-server` by default.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { dirname, join } from "node:path";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { LockSet } from "../io/lock.js";
import { parseLeaseRecord, type LeaseRecord } from "./record.js";
import type { LeaseStore } from "./store.js";

/** The folder of the records below the state directory. */
export const LEASES_FOLDER = "leases";

const RECORD_NAME = /^[0-9a-f]{64}\.json$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

export class DirectoryLeaseStore implements LeaseStore {
  readonly folder: string;
  readonly #locks = new LockSet();

  /** `stateDir`: the state directory (created 0700 on the first write). */
  constructor(stateDir: string) {
    this.folder = join(stateDir, LEASES_FOLDER);
  }

  /** The file of a lease. */
  fileOf(leaseId: string): string {
    const hash = createHash("sha256").update(leaseId).digest("hex");
    return join(this.folder, hash.slice(0, 2), `${hash}.json`);
  }

  async get(leaseId: string): Promise<LeaseRecord | null> {
    const record = await this.#read(this.fileOf(leaseId));
    // A hash collision is out of reach; a hand-copied file is not.
    return record && record.lease_id === leaseId ? record : null;
  }

  async update(leaseId: string, change: (current: LeaseRecord | null) => Promise<LeaseRecord | null | undefined>): Promise<void> {
    const file = this.fileOf(leaseId);
    const shard = dirname(file);
    try {
      await fsp.mkdir(shard, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new SecretsError("write-output", `could not create the lease folder ${shard}`, { cause: e });
    }
    await this.#locks.run(file, async () => {
      const read = await this.#read(file);
      const current = read && read.lease_id === leaseId ? read : null;
      const next = await change(current);
      if (next === undefined) return;
      if (next === null) {
        try {
          await fsp.rm(file, { force: true });
        } catch (e) {
          throw new SecretsError("write-output", `could not remove ${file}`, { cause: e });
        }
        return;
      }
      if (next.lease_id !== leaseId) throw new SecretsError("generic", "a lease record was stored under another lease's id");
      await writeFileAtomic(file, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 });
    });
  }

  async list(prefix = ""): Promise<LeaseRecord[]> {
    const shards = await this.#names(this.folder);
    const out: LeaseRecord[] = [];
    for (const shard of shards.filter((n) => SHARD_NAME.test(n))) {
      const dir = join(this.folder, shard);
      for (const name of (await this.#names(dir)).filter((n) => RECORD_NAME.test(n))) {
        const record = await this.#read(join(dir, name));
        if (record && record.lease_id.startsWith(prefix)) out.push(record);
      }
    }
    return out.sort((a, b) => (a.lease_id < b.lease_id ? -1 : a.lease_id > b.lease_id ? 1 : 0));
  }

  async #names(dir: string): Promise<string[]> {
    try {
      return await fsp.readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new SecretsError("read-input", `could not read the lease folder ${dir}`, { cause: e });
    }
  }

  /** The record in `file`, null when there is none (removed meanwhile included). */
  async #read(file: string): Promise<LeaseRecord | null> {
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SecretsError("read-input", `could not read ${file}`, { cause: e });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new SecretsError("read-input", `${file} is not valid JSON`);
    }
    return parseLeaseRecord(raw, file);
  }
}
