import path from "node:path";
import { SecretsError } from "../errors.js";
import { fromPlain } from "../sops/tree.js";
import type { SecretMetadata, SecretValue, SecretsClientOptions, SecretsClientStats } from "../secrets/types.js";
import { toTypedError } from "../secrets/errors.js";
import { policyFromConfig } from "../secrets/policy.js";
import { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import { keySourceFromIdentities } from "./keys.js";
import { ClientOptionsSchema, MetadataSchema, parseInput, PathListSchema, PrefixSchema, SecretPathSchema, SecretValueSchema, SetOptionsSchema } from "./options.js";

/**
 * The SDK: secrets by path, read from the encrypted files in the repository.
 *
 *   const client = new SecretsClient();            // root: secrets/ beside the .sops.yaml
 *   const url = await client.get("app/DATABASE_URL");
 *
 * Decrypted files are kept in memory (never on disk) and read again when the file changes. Every
 * error is a SecretsError, typed where it matters (SecretNotFound, NoMatchingKey, IntegrityError,
 * PolicyError, SecretPathError), and carries no value.
 */

export class ServerNotAvailable extends SecretsError {
  constructor() {
    super("usage", "the url/token options are for the Vault-compatible secrets server, which is not available yet; use the repository files (omit url and token)");
    this.name = "ServerNotAvailable";
  }
}

async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTypedError(e);
  }
}

export class SecretsClient {
  readonly #repo: SecretRepository;

  constructor(options: SecretsClientOptions = {}) {
    const o = parseInput(ClientOptionsSchema, options, "SecretsClient options");
    if (o.url !== undefined || o.token !== undefined) throw new ServerNotAvailable();
    const cwd = path.resolve(o.cwd ?? process.cwd());
    const root = resolveRoot({ root: o.root, cwd });
    const keys = o.identities !== undefined
      ? keySourceFromIdentities(o.identities)
      : lazyKeySource();
    this.#repo = new SecretRepository({ root, keys, policy: policyFromConfig(root) });
  }

  /** The absolute secrets root this client reads. */
  get root(): string {
    return this.#repo.root;
  }

  /** One secret: a string for a string, numbers, booleans, and maps/lists as plain data. */
  async get(secretPath: string): Promise<SecretValue> {
    const p = parseInput(SecretPathSchema, secretPath, "secret path");
    return typed(() => this.#repo.read(p));
  }

  /** The metadata kept next to a secret (undefined when there is none). */
  async getMetadata(secretPath: string): Promise<SecretMetadata | undefined> {
    const p = parseInput(SecretPathSchema, secretPath, "secret path");
    return (await typed(() => this.#repo.readEntry(p))).metadata;
  }

  /** Many secrets, keyed by the paths given. Each file is decrypted once however many paths it serves. */
  async getMany(secretPaths: readonly string[]): Promise<Record<string, SecretValue>> {
    const ps = parseInput(PathListSchema, secretPaths, "secret paths");
    const m = await typed(() => this.#repo.readMany(ps));
    const out: Record<string, SecretValue> = {};
    for (const [k, v] of m) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * Sets a secret (creating its file under the .sops.yaml rule when no file holds it yet) and writes
   * the encrypted file atomically. `metadata` is kept next to the value, in clear.
   */
  async set(secretPath: string, value: SecretValue, options?: { metadata?: SecretMetadata }): Promise<void> {
    const p = parseInput(SecretPathSchema, secretPath, "secret path");
    const v = parseInput(SecretValueSchema, value, "secret value");
    const opts = parseInput(SetOptionsSchema, options, "set options");
    const metadata = opts?.metadata === undefined ? undefined : parseInput(MetadataSchema, opts.metadata, "metadata");
    await typed(() => this.#repo.write(p, fromPlain(v), metadata));
  }

  /** The secret paths under a prefix (a folder, a file or a key; "" for all), sorted. Decrypts nothing. */
  async list(prefix = ""): Promise<string[]> {
    const p = parseInput(PrefixSchema, prefix, "prefix");
    return (await typed(() => this.#repo.list(p))).map((e) => e.path);
  }

  /** Counters: files decrypted, reads served from memory. */
  stats(): SecretsClientStats {
    return this.#repo.stats();
  }

  /** Drops every decrypted file from memory. */
  clearCache(): void {
    this.#repo.clearCache();
  }
}

/** sops' identity lookup (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, the default key file), loaded on first use. */
function lazyKeySource(): import("../sops/keysource.js").KeySource {
  let src: Promise<import("../sops/keysource.js").KeySource> | undefined;
  const get = () => (src ??= import("../keys/source.js").then((m) => m.createKeySource({ env: process.env })));
  let last: import("../sops/keysource.js").KeySource | undefined;
  return {
    wrap: async (secret, recipient) => (last = await get()).wrap(secret, recipient),
    unwrap: async (entry) => (last = await get()).unwrap(entry),
    describe: () => last?.describe() ?? "no age entry was tried",
  };
}

let shared: SecretsClient | undefined;

/**
 * One secret with a process-wide default client: the drop-in for `process.env.NAME`.
 * `getSecret("app/DATABASE_URL")`.
 */
export function getSecret(secretPath: string): Promise<SecretValue> {
  shared ??= new SecretsClient();
  return shared.get(secretPath);
}
