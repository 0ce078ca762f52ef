/**
 * Where the identity OIDC configuration lives in the repository, and how it is read and written:
 *
 *     .secrets/engines/identity/oidc/config.yaml       Vault's identity/oidc/config: the issuer (plaintext)
 *     .secrets/engines/identity/oidc/key/<name>.yaml   Vault's identity/oidc/key/:name (sops-encrypted: private keys)
 *     .secrets/engines/identity/oidc/role/<name>.yaml  Vault's identity/oidc/role/:name (plaintext, reviewed like code)
 *
 * the layout of the database engine's files (src/engines/postgres/config-files.ts), under
 * `.secrets/`, not the secrets root: the KV API never serves a private key and `secrets run` never
 * injects one. A key file is read through the Workspace's SecretRepository of its folder (the
 * repository's cache: decrypted once per change of the file), so the same identities open it and its
 * recipients are who can sign; a file that is not encrypted is refused. Every message names a
 * file and a field, never what a field holds.
 */
import { promises as fsp, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseDurationSeconds } from "../auth/policy/duration.js";
import { SecretsError } from "../errors.js";
import { loadStore } from "../files/format.js";
import { openSecretFile, writeEncryptedFile } from "../files/secret-file.js";
import { CachedFile } from "../io/cached-file.js";
import { withFileLock } from "../io/lock.js";
import { checkWritten } from "../secrets/repository.js";
import { toSecretValue } from "../secrets/entries.js";
import { displayPath } from "../secrets/resolve.js";
import { emitEncrypted, encryptNew, openDocument, reencrypt, type OpenDocument } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import { Branch, fromPlain } from "../sops/tree.js";
import { parseWith } from "../util/zod-error.js";
import type { Workspace } from "../workspace/workspace.js";
import { DEFAULT_VERIFICATION_TTL, rotateKeyFile } from "./keys.js";
import { OidcConfigFile, OidcKeyFile, OidcRoleFile, type OidcAlgorithm } from "./schema.js";
import { EngineObjectName } from "../engines/postgres/schema.js";

/** The folder of the identity OIDC files, relative to the top of the work tree. */
export function identityFolder(top: string): string {
  return join(top, ".secrets", "engines", "identity", "oidc");
}

export const KEY_FOLDER = "key";
export const ROLE_FOLDER = "role";
export const CONFIG_FILE = "config.yaml";

/** Vault's default role `ttl`: 24h. */
export const DEFAULT_TOKEN_TTL = 24 * 3600;
/** The subject when a role names none. */
export const DEFAULT_SUBJECT = "{{display_name}}";

/** A role as token.ts uses it: durations in seconds, defaults filled. */
export interface OidcRole {
  name: string;
  key: string;
  ttl: number;
  maxTtl: number;
  clientId: string;
  subject: string;
  claims: Readonly<Record<string, unknown>>;
}

/** A key as token.ts and the JWKS use it. `content` holds private keys: it goes to the signer and nowhere else. */
export interface OidcKey {
  name: string;
  /** The file, for messages. */
  file: string;
  algorithm: OidcAlgorithm;
  verificationTtl: number;
  allowedClientIds: string[];
  content: OidcKeyFile;
}

/** What the identity tokens read their configuration from (the repository here). */
export interface OidcConfigSource {
  /** `config.yaml`'s issuer (scheme, host, port), or undefined. */
  issuer(): Promise<string | undefined>;
  /** The role, or null when no file configures it. Kind `config` when invalid. */
  role(name: string): Promise<OidcRole | null>;
  /** The key, or null when no file configures it. Kind `config` when invalid; the repository's kinds when it cannot be opened (`no-key`, `mac-mismatch`…). */
  key(name: string): Promise<OidcKey | null>;
  /** The names of every key file, sorted. */
  keyNames(): Promise<string[]>;
}

function seconds(d: number | string | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : fallback;
}

/** Vault's TypeCommaStringSlice. */
function commaList(v: string | string[] | undefined): string[] {
  const list = v === undefined ? [] : typeof v === "string" ? v.split(",") : v;
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

function checkName(name: string, what: string): void {
  if (!EngineObjectName.safeParse(name).success) throw new SecretsError("usage", `invalid ${what} name (letters, digits, '_', '-' and '.')`);
}

const fieldError =
  (shown: string) =>
  ([issue]: readonly [{ path: PropertyKey[]; message: string }, ...unknown[]]): SecretsError =>
    new SecretsError("config", `${shown}: ${issue.path.map(String).join(".") || "(top)"}: ${issue.message}`);

function parsePlainYaml(text: string, shown: string): unknown {
  try {
    return parseYaml(text) ?? {};
  } catch {
    throw new SecretsError("config", `${shown} is not valid YAML`);
  }
}

/** A key file's plaintext, parsed. */
export function parseKeyContent(plain: unknown, shown: string): OidcKeyFile {
  return parseWith(OidcKeyFile, plain, fieldError(shown));
}

/** The key as used, from its parsed content. */
export function oidcKey(name: string, shown: string, content: OidcKeyFile): OidcKey {
  return {
    name,
    file: shown,
    algorithm: content.algorithm ?? "EdDSA",
    verificationTtl: seconds(content.verification_ttl, DEFAULT_VERIFICATION_TTL),
    allowedClientIds: commaList(content.allowed_client_ids),
    content,
  };
}

function parseRole(name: string, text: string, shown: string): OidcRole {
  const parsed = parseWith(OidcRoleFile, parsePlainYaml(text, shown), fieldError(shown));
  const ttl = seconds(parsed.ttl, DEFAULT_TOKEN_TTL);
  const maxTtl = seconds(parsed.max_ttl, ttl);
  if (maxTtl < ttl) throw new SecretsError("config", `${shown}: max_ttl: cannot be less than ttl`);
  return { name, key: parsed.key, ttl, maxTtl, clientId: parsed.client_id ?? name, subject: parsed.subject ?? DEFAULT_SUBJECT, claims: parsed.claims ?? {} };
}

function plainOf(doc: OpenDocument): unknown {
  return toSecretValue(doc.branches[0] ?? new Branch(), doc.metadata.encryptionRule);
}

export interface RepositoryOidcConfigOptions {
  /** identityFolder(). */
  folder: string;
  /** Whose identities open the key files. */
  workspace: Workspace;
}

export class RepositoryOidcConfig implements OidcConfigSource {
  readonly folder: string;
  readonly #workspace: Workspace;
  readonly #config: CachedFile<string | undefined>;
  /** Parsed role files, each parsed again when it changes (a stat per use). */
  readonly #roles = new Map<string, CachedFile<OidcRole | null>>();
  /** Keys as last parsed, by name, with the stat signature of the file they came from. */
  readonly #keys = new Map<string, { signature: string; key: OidcKey }>();

  constructor(options: RepositoryOidcConfigOptions) {
    this.folder = options.folder;
    this.#workspace = options.workspace;
    const configFile = join(this.folder, CONFIG_FILE);
    this.#config = new CachedFile(configFile, (text) => parseWith(OidcConfigFile, parsePlainYaml(text, displayPath(configFile)), fieldError(displayPath(configFile))).issuer, () => undefined);
  }

  /** The key file's path (it may not exist). */
  keyFile(name: string): string {
    checkName(name, "key");
    return join(this.folder, KEY_FOLDER, `${name}.yaml`);
  }

  issuer(): Promise<string | undefined> {
    return this.#config.read();
  }

  role(name: string): Promise<OidcRole | null> {
    checkName(name, "role");
    let cached = this.#roles.get(name);
    if (!cached) {
      const file = join(this.folder, ROLE_FOLDER, `${name}.yaml`);
      cached = new CachedFile(file, (text) => parseRole(name, text, displayPath(file)), () => null);
      this.#roles.set(name, cached);
    }
    return cached.read();
  }

  async key(name: string): Promise<OidcKey | null> {
    const file = this.keyFile(name);
    // A stat per use, synchronous (no thread-pool round trip on the token path); the file is
    // decrypted and validated again only when it changed.
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) return null;
    const signature = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = this.#keys.get(name);
    if (hit?.signature === signature) return hit.key;
    const shown = displayPath(file);
    const repo = await this.#workspace.repository(dirname(file));
    const opened = await repo.openFile(file);
    const key = oidcKey(name, shown, parseKeyContent(plainOf(opened.doc), shown));
    this.#keys.set(name, { signature, key });
    return key;
  }

  async keyNames(): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(join(this.folder, KEY_FOLDER));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new SecretsError("read-input", `could not read ${displayPath(join(this.folder, KEY_FOLDER))}`);
    }
    return names
      .map((n) => /^(.+)\.yaml$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined && EngineObjectName.safeParse(n).success)
      .sort();
  }
}

/** The private members of a key file: each must be encrypted by the file's rule, or the file is refused. */
const PRIVATE_PATHS = [
  ["signing_key", "d"],
  ["next_signing_key", "d"],
];

function branchOf(content: OidcKeyFile): Branch {
  return fromPlain(content) as Branch;
}

/**
 * Writes a new key file at `file`, encrypted under the `.sops.yaml` rule for its path. Kind
 * `conflict` when it exists; `config` when the rule would leave a private key in clear.
 */
export async function createKeyFile(workspace: Workspace, file: string, content: OidcKeyFile): Promise<void> {
  await fsp.mkdir(dirname(file), { recursive: true });
  await withFileLock(file, async () => {
    if (await fsp.stat(file).catch(() => undefined)) throw new SecretsError("conflict", `${displayPath(file)} exists already: rotate it (secrets jwt key rotate) rather than replace it`);
    const [creation, keys, store] = await Promise.all([workspace.creationFor(file), workspace.keys(), loadStore("yaml")]);
    const out = await encryptNew([branchOf(content)], creation.recipients, keys, { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
    checkWritten(out.branches[0] ?? new Branch(), PRIVATE_PATHS, out.metadata.encryptionRule, file, false);
    await writeEncryptedFile(file, store, out, { indent: await workspace.indentFor("yaml") });
  });
}

export interface KeyRotation {
  /** The key id that signs from now on. */
  kid: string;
  /** The key id that signed before, kept in the JWKS until `expireAt`. */
  previousKid: string;
  expireAt: string;
}

/** The rotated document of an opened key file, and what changed. */
async function rotateDocument(doc: OpenDocument, name: string, shown: string, now: number, verificationTtlOverride: number | undefined): Promise<{ out: ReturnType<typeof reencrypt>; rotation: KeyRotation }> {
  const key = oidcKey(name, shown, parseKeyContent(plainOf(doc), shown));
  const next = await rotateKeyFile(key.content, { now, verificationTtl: key.verificationTtl, ...(verificationTtlOverride !== undefined ? { verificationTtlOverride } : {}) });
  const out = reencrypt(doc, [branchOf(next), ...doc.branches.slice(1)]);
  // The file's own rule decides what is encrypted: the new private halves must be, as at creation.
  checkWritten(out.branches[0] ?? new Branch(), PRIVATE_PATHS, out.metadata.encryptionRule, shown, false);
  const last = next.previous_keys!.at(-1)!;
  return { out, rotation: { kid: next.signing_key.kid, previousKid: last.public_key.kid, expireAt: last.expire_at } };
}

/**
 * Rotates the key file at `file` in place, under its write lock (the CLI's `secrets jwt key
 * rotate`; the server commits the same change through rotatedKeyText). Values unchanged keep their
 * ciphertext; the recipients are the file's. Kind `no-file` when there is no such file.
 */
export async function rotateKeyFileInPlace(file: string, name: string, keys: KeySource, now: number, verificationTtlOverride?: number): Promise<KeyRotation> {
  const shown = displayPath(file);
  return withFileLock(file, async () => {
    const opened = await openSecretFile(file, keys);
    const { out, rotation } = await rotateDocument(opened.doc, name, shown, now, verificationTtlOverride);
    await writeEncryptedFile(file, opened.store, out);
    return rotation;
  });
}

/** The text of the key file `text` (a YAML sops file) after a rotation at `now`. */
export async function rotatedKeyText(text: string, name: string, shown: string, keys: KeySource, now: number, verificationTtlOverride?: number): Promise<{ text: string; rotation: KeyRotation }> {
  const store = await loadStore("yaml");
  const stored = store.parseEncrypted(Buffer.from(text, "utf8"));
  const doc = await openDocument(stored, keys);
  const { out, rotation } = await rotateDocument(doc, name, shown, now, verificationTtlOverride);
  return { text: Buffer.from(emitEncrypted(store, out)).toString("utf8"), rotation };
}
