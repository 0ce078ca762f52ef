/**
 * Cubbyholes: per-token private key/value storage (Vault's vault/logical_cubbyhole.go), in the
 * server's state directory and never in git.
 *
 * - A token's cubbyhole is one file, `<stateDir>/cubbyhole/<hex>.json`, where `<hex>` is the
 *   SHA-256 of the token: the hash the token stores already keep (src/auth/tokens/format.ts
 *   hashToken), so no new trace of the token is written, and the cubbyhole of a token that has
 *   ended can be found from the stores' records alone.
 * - The file holds every entry of that cubbyhole (path → the JSON object written), encrypted with
 *   AES-256-GCM under the cubbyhole key (key.ts: age-encrypted to the server's identity), a fresh
 *   96-bit nonce per write, and the file's own name as additional data, so that a file moved to
 *   another token's name does not open. Mode 0600 in a 0700 folder; replaced atomically under the
 *   file's lock (src/io/lock.ts), so concurrent writes to one cubbyhole lose nothing.
 * - `sweep(live)` removes every cubbyhole whose token is not among `live` (revoked, expired, or
 *   its parent gone), under each file's lock. The server sweeps after each change to its tokens
 *   and, at most once a minute, on a cubbyhole request (a token that merely expired leaves its
 *   cubbyhole, unreadable by anyone, until then).
 *
 * Vault keeps a cubbyhole as storage keys below the token's prefix; a cubbyhole is small scratch
 * space (response wrapping, a token's own secrets), so one file per token is enough here.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { LockSet } from "../../io/lock.js";
import type { IdentitySet } from "../../keys/identities.js";
import { parseWith } from "../../util/zod-error.js";
import { cubbyholeKey } from "./key.js";

/** The state directory's folder for cubbyholes. */
export const CUBBYHOLE_DIR = "cubbyhole";

const FILE_NAME = /^([0-9a-f]{64})\.json$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A cubbyhole file on disk. */
const CubbyholeFile = z.strictObject({
  version: z.literal(1),
  /** base64 of the 12-byte nonce. */
  nonce: z.base64(),
  /** base64 of the ciphertext followed by the 16-byte GCM tag. */
  sealed: z.base64(),
});

/** Its plaintext: entry path → the object written there. */
const Entries = z.record(z.string(), z.record(z.string(), z.unknown()));
type Entries = z.infer<typeof Entries>;

export interface CubbyholeStoreOptions {
  /** The server's state directory. */
  stateDir: string;
  /** The server's identities (the cubbyhole key is kept encrypted to them). */
  identities: IdentitySet;
}

/** `sha256:<hex>` (a token store's stored hash) → `<hex>`. */
function hexOf(storedHash: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(storedHash);
  if (!m) throw new SecretsError("generic", "a cubbyhole is named by a token's stored hash");
  return m[1]!;
}

export class CubbyholeStore {
  readonly dir: string;
  readonly #identities: IdentitySet;
  readonly #locks = new LockSet();
  #key: Promise<Buffer> | undefined;

  constructor(opts: CubbyholeStoreOptions) {
    this.dir = path.join(opts.stateDir, CUBBYHOLE_DIR);
    this.#identities = opts.identities;
  }

  /** The key, opened (or made) on first use; a failure is not kept, so a mended key file is seen next time. */
  #keyNow(): Promise<Buffer> {
    this.#key ??= cubbyholeKey(this.dir, this.#identities).catch((e: unknown) => {
      this.#key = undefined;
      throw e;
    });
    return this.#key;
  }

  #file(storedHash: string): string {
    return path.join(this.dir, `${hexOf(storedHash)}.json`);
  }

  async #load(file: string): Promise<Entries> {
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw new SecretsError("read-input", `cannot read ${file}`, { cause: e });
    }
    const damaged = (): SecretsError => new SecretsError("read-input", `${file} is damaged`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw damaged();
    }
    const sealedFile = parseWith(CubbyholeFile, raw, () => damaged());
    const nonce = Buffer.from(sealedFile.nonce, "base64");
    const sealed = Buffer.from(sealedFile.sealed, "base64");
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw damaged();
    let plain: string;
    try {
      const decipher = createDecipheriv("aes-256-gcm", await this.#keyNow(), nonce);
      decipher.setAAD(Buffer.from(path.basename(file), "utf8"));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch (e) {
      if (e instanceof SecretsError) throw e;
      throw damaged();
    }
    try {
      return parseWith(Entries, JSON.parse(plain), () => damaged());
    } catch {
      throw damaged();
    }
  }

  async #save(file: string, entries: Entries): Promise<void> {
    if (Object.keys(entries).length === 0) {
      await fsp.rm(file, { force: true });
      return;
    }
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", await this.#keyNow(), nonce);
    cipher.setAAD(Buffer.from(path.basename(file), "utf8"));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(entries), "utf8"), cipher.final(), cipher.getAuthTag()]);
    await writeFileAtomic(file, `${JSON.stringify({ version: 1, nonce: nonce.toString("base64"), sealed: sealed.toString("base64") })}\n`, { mode: 0o600 });
  }

  /** Read-modify-write of one cubbyhole under its lock; `live` is asked under the lock, and a dead token's cubbyhole is not written. */
  async #change(storedHash: string, live: () => Promise<boolean>, change: (entries: Entries) => Entries): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.#file(storedHash);
    await this.#locks.run(file, async () => {
      if (!(await live())) return;
      await this.#save(file, change(await this.#load(file)));
    });
  }

  /** The object at `key`, or null. */
  async read(storedHash: string, key: string): Promise<Record<string, unknown> | null> {
    return (await this.#load(this.#file(storedHash)))[key] ?? null;
  }

  async write(storedHash: string, key: string, data: Record<string, unknown>, live: () => Promise<boolean>): Promise<void> {
    await this.#change(storedHash, live, (entries) => ({ ...entries, [key]: data }));
  }

  async delete(storedHash: string, key: string, live: () => Promise<boolean>): Promise<void> {
    await this.#change(storedHash, live, (entries) => Object.fromEntries(Object.entries(entries).filter(([k]) => k !== key)));
  }

  /**
   * The keys directly below `prefix` ("" or ending in `/`), as a storage List answers: an entry's
   * name, or a folder's with a trailing `/`; sorted, each once.
   */
  async list(storedHash: string, prefix: string): Promise<string[]> {
    const keys = new Set<string>();
    for (const key of Object.keys(await this.#load(this.#file(storedHash)))) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf("/");
      keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...keys].sort();
  }

  /** Removes the cubbyholes of tokens not in `live` (stored hashes). */
  async sweep(live: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new SecretsError("read-input", `cannot read ${this.dir}`, { cause: e });
    }
    for (const name of names) {
      const m = FILE_NAME.exec(name);
      if (!m || live.has(`sha256:${m[1]!}`)) continue;
      const file = path.join(this.dir, name);
      await this.#locks.run(file, () => fsp.rm(file, { force: true }));
    }
  }
}
