/**
 * Where a `pki` mount keeps what it must remember, in the repository, beside the other engines'
 * configuration (docs/dynamic-secrets.md):
 *
 *     .secrets/engines/<mount>/ca.pem           the CA's certificate, then the certificates above it (plaintext: public, reviewable)
 *     .secrets/engines/<mount>/ca-key.yaml      the CA's private key, sops-encrypted (`private_key: <PEM>`)
 *     .secrets/engines/<mount>/roles/<name>.yaml  a role (plaintext; schemas/pki-role.schema.json)
 *     .secrets/engines/<mount>/revoked.yaml     the revoked serials (plaintext; the CRL is built from it)
 *
 * The key file is encrypted by the `.sops.yaml` rule that matches its path (its recipients are who
 * can read the CA key: the server's identity, and whoever the rule names), and opened with the
 * server's identities; it is decrypted once per content and kept in memory, never written
 * anywhere in clear. After `intermediate/generate` the key file holds the new key and `ca.pem` is
 * gone until `intermediate/set-signed` brings its certificate: a pending intermediate issues nothing.
 *
 * Writes go through a {@link Committer}: the server's is one commit per change, by the token's
 * display name, under the files' locks (src/server/config/commit-config.ts).
 */
import { promises as fsp, statSync } from "node:fs";
import path from "node:path";
import type { X509Certificate } from "@peculiar/x509";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { loadStore } from "../../files/format.js";
import { openSecretFile } from "../../files/secret-file.js";
import { toSecretValue } from "../../secrets/entries.js";
import { checkWritten } from "../../secrets/repository.js";
import { emitEncrypted, encryptNew } from "../../sops/document.js";
import type { KeySource } from "../../sops/keysource.js";
import { Branch, fromPlain } from "../../sops/tree.js";
import { parseWith } from "../../util/zod-error.js";
import type { CreationPolicy } from "../../workspace/creation.js";
import { EngineObjectName } from "../postgres/schema.js";
import { certificatePem, parseCertificates, type SigningCa } from "./certificate.js";
import type { RevokedEntry } from "./crl.js";
import { exportPrivateKey, importPrivateKey, type GeneratedKey } from "./keys.js";
import { resolveRole, type PkiRole } from "./role.js";
import { PkiRoleFile } from "./role-schema.js";

export const CA_FILE = "ca.pem";
export const CA_KEY_FILE = "ca-key.yaml";
export const REVOKED_FILE = "revoked.yaml";
export const ROLES_FOLDER = "roles";

/** One file's new text (null: remove it), repo-relative and `/`-separated. */
export interface FileChange {
  readonly path: string;
  readonly text: string | null;
}

/**
 * Writes files as one change: `edit` runs with each named file's current text (null: absent),
 * under whatever lock the committer holds, and returns the changes; `message` names what changed,
 * never a value.
 */
export type Committer = (paths: readonly string[], edit: (current: ReadonlyMap<string, string | null>) => Promise<readonly FileChange[]>, message: string) => Promise<void>;

const RevokedFile = z.strictObject({
  revoked: z
    .array(z.strictObject({ serial_number: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/), revocation_time: z.int().min(0), expiration: z.int().min(0) }))
    .optional(),
});

const KeyFile = z.object({ private_key: z.string().min(1) });

export interface RepositoryPkiStoreOptions {
  /** The work tree's top. */
  top: string;
  /** The mount, without its slash (`pki`). */
  mount: string;
  /** The identities that open the key file. */
  keys: () => Promise<KeySource>;
  /** How a new key file is encrypted (the `.sops.yaml` rule for its path). */
  creation: CreationPolicy;
}

/** A mount's files. One per mount; its only state is what it parsed of each file's current content (the decrypted key among it). */
export class RepositoryPkiStore {
  readonly folder: string;
  /** Repo-relative folder, for commits. */
  readonly relFolder: string;
  readonly #opts: RepositoryPkiStoreOptions;
  #key: { stat: string; key: GeneratedKey } | undefined;
  #ca: { stat: string; certs: X509Certificate[] } | undefined;
  /** Roles parsed, by name, with the identity of the file they were parsed from (issuing reads one per request). */
  readonly #roles = new Map<string, { stat: string; role: PkiRole }>();

  constructor(opts: RepositoryPkiStoreOptions) {
    this.#opts = opts;
    this.relFolder = [".secrets", "engines", opts.mount].join("/");
    this.folder = path.join(opts.top, ".secrets", "engines", ...opts.mount.split("/"));
  }

  #abs(name: string): string {
    return path.join(this.folder, ...name.split("/"));
  }

  #rel(name: string): string {
    return `${this.relFolder}/${name}`;
  }

  /** The file's identity now (inode, size, times), or null when absent: the cache key of a parsed file. */
  #stat(name: string): string | null {
    const st = statSync(this.#abs(name), { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null;
  }

  /** The CA certificate and those above it; null when the mount has none (no root yet, or an intermediate not yet signed). */
  async caCertificates(): Promise<X509Certificate[] | null> {
    const stat = this.#stat(CA_FILE);
    if (stat === null) return null;
    if (this.#ca?.stat === stat) return this.#ca.certs;
    const text = await fsp.readFile(this.#abs(CA_FILE), "utf8").catch(() => null);
    if (text === null) return null;
    const certs = await parseCertificates(text).catch((e: unknown) => {
      throw new SecretsError("config", `${this.#rel(CA_FILE)}: a certificate does not parse`, { cause: e });
    });
    if (certs.length === 0) throw new SecretsError("config", `${this.#rel(CA_FILE)} holds no certificate`);
    this.#ca = { stat, certs };
    return certs;
  }

  /** The CA's key (decrypted once per content of the key file), or null when there is none. */
  async caKey(): Promise<GeneratedKey | null> {
    const stat = this.#stat(CA_KEY_FILE);
    if (stat === null) return null;
    if (this.#key?.stat === stat) return this.#key.key;
    const opened = await openSecretFile(this.#abs(CA_KEY_FILE), await this.#opts.keys());
    const plain = toSecretValue(opened.doc.branches[0] ?? new Branch(), opened.doc.metadata.encryptionRule);
    const file = parseWith(KeyFile, plain, ([issue]) => new SecretsError("config", `${this.#rel(CA_KEY_FILE)}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    const key = await importPrivateKey(file.private_key);
    this.#key = { stat, key };
    return key;
  }

  /** The CA that signs: certificate, chain and key; null when any is missing. Kind `config` when the certificate is not for the key. */
  async signingCa(): Promise<SigningCa | null> {
    const certs = await this.caCertificates();
    if (!certs) return null;
    const key = await this.caKey();
    if (!key) return null;
    return { certificate: certs[0]!, chain: certs.slice(1), key };
  }

  /** The role, or null when no file configures it. Kind `config` for a file that is not valid. */
  async role(name: string): Promise<PkiRole | null> {
    checkName(name);
    const file = this.#abs(`${ROLES_FOLDER}/${name}.yaml`);
    const stat = this.#stat(`${ROLES_FOLDER}/${name}.yaml`);
    if (stat === null) return null;
    const seen = this.#roles.get(name);
    if (seen?.stat === stat) return seen.role;
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SecretsError("read-input", `could not read ${this.#rel(`${ROLES_FOLDER}/${name}.yaml`)}`);
    }
    const shown = this.#rel(`${ROLES_FOLDER}/${name}.yaml`);
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch {
      throw new SecretsError("config", `${shown} is not valid YAML`);
    }
    const parsed = parseWith(PkiRoleFile, raw, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    const role = resolveRole(name, parsed);
    this.#roles.set(name, { stat, role });
    return role;
  }

  /** The names of the roles, sorted. */
  async roles(): Promise<string[]> {
    const names = await fsp.readdir(this.#abs(ROLES_FOLDER)).catch(() => [] as string[]);
    return names
      .map((n) => /^(.+)\.yaml$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined && EngineObjectName.safeParse(n).success)
      .sort();
  }

  /** The revoked certificates. */
  async revoked(): Promise<RevokedEntry[]> {
    const text = await fsp.readFile(this.#abs(REVOKED_FILE), "utf8").catch(() => null);
    return text === null ? [] : this.#parseRevoked(text);
  }

  #parseRevoked(text: string | null): RevokedEntry[] {
    if (text === null) return [];
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch {
      throw new SecretsError("config", `${this.#rel(REVOKED_FILE)} is not valid YAML`);
    }
    return parseWith(RevokedFile, raw, ([issue]) => new SecretsError("config", `${this.#rel(REVOKED_FILE)}: ${issue.path.join(".") || "(top)"}: ${issue.message}`)).revoked ?? [];
  }

  /** The key file's text: `private_key` encrypted by the creation rule of its path. */
  async #encryptedKey(key: GeneratedKey): Promise<string> {
    const abs = this.#abs(CA_KEY_FILE);
    const creation = await this.#opts.creation.creationFor(abs);
    const branch = fromPlain({ private_key: await exportPrivateKey(key) }) as Branch;
    const out = await encryptNew([branch], creation.recipients, await this.#opts.keys(), { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
    // A rule such as `encrypted_regex: ^data$` would leave the CA key in clear, to be committed.
    checkWritten(out.branches[0] ?? new Branch(), [["private_key"]], out.metadata.encryptionRule, abs, false);
    const bytes = emitEncrypted(await loadStore("yaml"), out, { indent: await this.#opts.creation.indentFor("yaml") });
    return Buffer.from(bytes).toString("utf8");
  }

  /**
   * Replaces the CA: `key` (null: keep the key file as it is) and `certs` (the CA certificate then
   * its chain; null: remove `ca.pem`, for a pending intermediate). One change.
   */
  async writeCa(commit: Committer, key: GeneratedKey | null, certs: readonly X509Certificate[] | null, message: string): Promise<void> {
    const keyText = key ? await this.#encryptedKey(key) : null;
    const caText = certs ? `${certs.map(certificatePem).join("\n")}\n` : null;
    const paths = [this.#rel(CA_FILE), ...(key ? [this.#rel(CA_KEY_FILE)] : [])];
    await commit(paths, () => Promise.resolve([{ path: this.#rel(CA_FILE), text: caText }, ...(keyText !== null ? [{ path: this.#rel(CA_KEY_FILE), text: keyText }] : [])]), message);
  }

  /** Writes a role's file (null: removes it). */
  async writeRole(commit: Committer, name: string, file: PkiRoleFile | null, message: string): Promise<void> {
    checkName(name);
    const rel = this.#rel(`${ROLES_FOLDER}/${name}.yaml`);
    await commit([rel], () => Promise.resolve([{ path: rel, text: file === null ? null : stringifyYaml(file) }]), message);
  }

  /**
   * Adds `entry` to the revoked list unless its serial is there already; the entry in force
   * (the earlier one, or `entry`). The list is read under the committer's lock, so that two
   * revocations at once both land.
   */
  async addRevoked(commit: Committer, entry: RevokedEntry, message: string): Promise<RevokedEntry> {
    const rel = this.#rel(REVOKED_FILE);
    let inForce = entry;
    await commit(
      [rel],
      (current) => {
        const list = this.#parseRevoked(current.get(rel) ?? null);
        const known = list.find((r) => r.serial_number === entry.serial_number);
        if (known) {
          inForce = known;
          return Promise.resolve([]);
        }
        return Promise.resolve([{ path: rel, text: stringifyYaml({ revoked: [...list, entry] }) }]);
      },
      message,
    );
    return inForce;
  }
}

function checkName(name: string): void {
  if (!EngineObjectName.safeParse(name).success) throw new SecretsError("usage", "invalid role name (letters, digits, '_', '-' and '.')");
}
