/**
 * The certificates a mount issued (Vault's `certs/<serial>` storage, kept unless the role says
 * `no_store`), so that `pki/revoke` can find one by serial number and `pki/cert/:serial` can show
 * it: `<stateDir>/pki/<mount>/<aa>/<serial with hyphens>.pem`, one small file per certificate
 * (mode 0600, written atomically), sharded by the serial's first byte. Only certificates, never a
 * key. They are the server's record, beside its lease records, not the repository's: issuing
 * makes no commit; a revocation, which must outlive the server, is committed (store.ts).
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";

export interface IssuedRecords {
  put(serial: string, pem: string): Promise<void>;
  /** The PEM, or null when none is recorded. */
  get(serial: string): Promise<string | null>;
}

/** Serials as file names: colons become hyphens (Vault's normalizeSerial). */
const fileName = (serial: string): string => `${serial.toLowerCase().replace(/:/g, "-")}.pem`;

export class DirectoryIssuedRecords implements IssuedRecords {
  readonly folder: string;

  constructor(stateDir: string, mount: string) {
    this.folder = join(stateDir, "pki", ...mount.split("/"));
  }

  #file(serial: string): string {
    const name = fileName(serial);
    return join(this.folder, name.slice(0, 2), name);
  }

  async put(serial: string, pem: string): Promise<void> {
    const file = this.#file(serial);
    await fsp.mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${pem}\n`, { mode: 0o600 });
  }

  async get(serial: string): Promise<string | null> {
    if (!/^[0-9a-f]{2}([:-][0-9a-f]{2})*$/i.test(serial)) return null;
    try {
      return (await fsp.readFile(this.#file(serial), "utf8")).trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SecretsError("read-input", `could not read the record of certificate ${serial}`, { cause: e });
    }
  }
}
