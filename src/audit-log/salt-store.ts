/**
 * Where each audit device's salt is kept. The salt is created once, on the device's first use,
 * and must never change: every HMAC in the log, and every `sys/audit-hash` answer, depends on it
 * (Vault keeps it in its storage, `sdk/helper/salt/salt.go` NewSalt, and loses the ability to
 * hash for a disabled device; so would we without the file).
 *
 * `SaltStore` is the interface (a PostgreSQL store for replicas can come later, sharing salts
 * between servers); `DirectorySaltStore` keeps one file per device in the server's state
 * directory: `<stateDir>/audit-salt/<device>`, mode 0600, written atomically (src/io/atomic.ts),
 * holding the salt's hex and a newline.
 */
import { promises as fsp } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";

/** The salt's size in bytes: 32, HMAC-SHA256's block is 64 and its output 32 (RFC 2104 §3: at least L bytes). */
export const SALT_BYTES = 32;

/** An audit device's name: one path segment, as `sys/audit/<path>` takes it. */
const DeviceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/);

/** The file's content: at least SALT_BYTES bytes as lower-case hex, an optional trailing newline. */
const SaltFile = z.string().regex(new RegExp(`^(?:[0-9a-f]{2}){${SALT_BYTES},}\\n?$`));

/**
 * Persistent salts, one per audit device.
 *
 * Contract: `saltFor(device)` returns the device's salt, creating it (random, SALT_BYTES bytes)
 * the first time and returning the same bytes on every later call, in this process and after a
 * restart. It rejects with a SecretsError (`write-output` or `read-input`) if the salt cannot be
 * kept or read; the server then refuses to start the device, since a salt it could not keep would
 * make the log unsearchable after a restart. The salt is key material: never logged, never in a
 * message.
 */
export interface SaltStore {
  saltFor(device: string): Promise<Uint8Array>;
}

/** Why `device` cannot name a salt, or undefined when it can. */
function deviceProblem(device: string): SecretsError | undefined {
  if (DeviceName.safeParse(device).success) return undefined;
  return new SecretsError("usage", "an audit device name must be one path segment of letters, digits, '.', '_' or '-'");
}

/**
 * The salts in `<stateDir>/audit-salt/`. One server per state directory: two processes creating the
 * same device's salt at the same moment could each keep a different one (the last rename wins).
 * Within one store, concurrent first calls share one creation.
 */
export class DirectorySaltStore implements SaltStore {
  private readonly pending = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly stateDir: string) {}

  /** The file that holds `device`'s salt. */
  fileFor(device: string): string {
    const problem = deviceProblem(device);
    if (problem) throw problem;
    return join(this.stateDir, "audit-salt", device);
  }

  saltFor(device: string): Promise<Uint8Array> {
    const problem = deviceProblem(device);
    if (problem) return Promise.reject(problem);
    const file = this.fileFor(device);
    let p = this.pending.get(device);
    if (!p) {
      p = this.loadOrCreate(file);
      this.pending.set(device, p);
      // A failure is not remembered: the next call tries again.
      p.catch(() => this.pending.delete(device));
    }
    return p;
  }

  private async loadOrCreate(file: string): Promise<Uint8Array> {
    const existing = await readSalt(file);
    if (existing) return existing;
    const salt = randomBytes(SALT_BYTES);
    try {
      await fsp.mkdir(join(this.stateDir, "audit-salt"), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new SecretsError("write-output", `could not create the audit salt directory in ${this.stateDir}`, { cause: e });
    }
    await writeFileAtomic(file, `${salt.toString("hex")}\n`, { mode: 0o600 });
    return salt;
  }
}

async function readSalt(file: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SecretsError("read-input", `could not read the audit salt ${file}`, { cause: e });
  }
  if (!SaltFile.safeParse(text).success) throw new SecretsError("read-input", `the audit salt ${file} is not ${SALT_BYTES} or more bytes of hex`);
  return Buffer.from(text.trim(), "hex");
}

/** Salts kept in memory only (tests, and `secrets serve` without a state directory: the log is then unsearchable after a restart). */
export class MemorySaltStore implements SaltStore {
  private readonly salts = new Map<string, Uint8Array>();

  saltFor(device: string): Promise<Uint8Array> {
    const problem = deviceProblem(device);
    if (problem) return Promise.reject(problem);
    let salt = this.salts.get(device);
    if (!salt) {
      salt = randomBytes(SALT_BYTES);
      this.salts.set(device, salt);
    }
    return Promise.resolve(salt);
  }
}
