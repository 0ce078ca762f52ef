import path from "node:path";
import { SecretsError } from "../errors.js";
import { fromPlain } from "../sops/tree.js";
import type { SecretMetadata, SecretValue, SecretsClientOptions, SecretsClientStats } from "../secrets/types.js";
import { SecretTypeError, toTypedError, type SecretValueType } from "../secrets/errors.js";
import type { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import { Workspace } from "../workspace/workspace.js";
import { keySourceFromIdentities } from "./keys.js";

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

interface ClientState {
  repo: SecretRepository;
  options: typeof import("./options.js");
}

export class SecretsClient {
  readonly #state: Promise<ClientState>;
  #repo: SecretRepository | undefined;

  /**
   * Options are checked against their zod schema on first use (zod is loaded then, so that importing
   * the SDK stays cheap): an invalid option rejects every call with a one-line SecretsError. `url` and
   * `token` are refused at once.
   */
  constructor(options: SecretsClientOptions = {}) {
    // JavaScript callers may pass anything: the schema check (below, on first use) says what is wrong.
    const given: unknown = options;
    if (given !== null && typeof given === "object" && (("url" in given && given.url !== undefined) || ("token" in given && given.token !== undefined))) throw new ServerNotAvailable();
    this.#state = import("./options.js").then(async (m) => {
      const o = m.parseInput(m.ClientOptionsSchema, options, "SecretsClient options");
      if (o.url !== undefined || o.token !== undefined) throw new ServerNotAvailable();
      const cwd = path.resolve(o.cwd ?? process.cwd());
      const root = resolveRoot({ root: o.root, cwd });
      // The config is found from the secrets root, so that the client works whatever the process's
      // working directory is.
      const ws = new Workspace({ startDir: root, env: process.env, keys: o.identities !== undefined ? keySourceFromIdentities(o.identities) : undefined });
      this.#repo = await ws.repository(root);
      return { repo: this.#repo, options: m };
    });
    // Reported by the calls that await it; never an unhandled rejection of its own.
    this.#state.catch(() => undefined);
  }

  /** The absolute secrets root this client reads. */
  async root(): Promise<string> {
    return (await this.#state).repo.root;
  }

  /** One secret: a string for a string, numbers, booleans, and maps/lists as plain data. */
  async get(secretPath: string): Promise<SecretValue> {
    const { repo, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    return typed(() => repo.read(p));
  }

  /**
   * One secret that must be a string, typed `string`: `const url = await client.getString("app/DATABASE_URL")`.
   * Any other value (a number, a map…) rejects with SecretTypeError, which names the path and the type only.
   */
  async getString(secretPath: string): Promise<string> {
    const value = await this.get(secretPath);
    if (typeof value !== "string") throw new SecretTypeError(secretPath, "string", typeOfValue(value));
    return value;
  }

  /** The metadata kept next to a secret (undefined when there is none). */
  async getMetadata(secretPath: string): Promise<SecretMetadata | undefined> {
    const { repo, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    return (await typed(() => repo.readEntry(p))).metadata;
  }

  /** Many secrets, keyed by the paths given. Each file is decrypted once however many paths it serves. */
  async getMany(secretPaths: readonly string[]): Promise<Record<string, SecretValue>> {
    const { repo, options: m } = await this.#state;
    const ps = m.parseInput(m.PathListSchema, secretPaths, "secret paths");
    const got = await typed(() => repo.readMany(ps));
    const out: Record<string, SecretValue> = {};
    for (const [k, v] of got) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * Sets a secret (creating its file under the .sops.yaml rule when no file holds it yet) and writes
   * the encrypted file atomically. `metadata` is kept next to the value, in clear.
   */
  async set(secretPath: string, value: SecretValue, options?: { metadata?: SecretMetadata }): Promise<void> {
    const { repo, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    const v = m.parseInput(m.SecretValueSchema, value, "secret value");
    const opts = m.parseInput(m.SetOptionsSchema, options, "set options");
    await typed(() => repo.write(p, fromPlain(v), opts?.metadata));
  }

  /** The secret paths under a prefix (a folder, a file or a key; "" for all), sorted. Decrypts nothing. */
  async list(prefix = ""): Promise<string[]> {
    const { repo, options: m } = await this.#state;
    const p = m.parseInput(m.PrefixSchema, prefix, "prefix");
    return (await typed(() => repo.list(p))).map((e) => e.path);
  }

  /** Counters: files decrypted, reads served from memory. */
  stats(): SecretsClientStats {
    return this.#repo?.stats() ?? { decryptions: 0, cacheHits: 0 };
  }

  /** Drops every decrypted file from memory. */
  clearCache(): void {
    this.#repo?.clearCache();
  }
}

function typeOfValue(value: SecretValue): SecretValueType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "map";
  if (typeof value === "bigint") return "number";
  return typeof value as "string" | "number" | "boolean";
}

let shared: SecretsClient | undefined;

/**
 * One string secret with a process-wide default client: the drop-in for `process.env.NAME`, so typed
 * `string` like it. `const url: string = await getSecret("app/DATABASE_URL")`. A value that is not a
 * string rejects with SecretTypeError (read numbers, maps and lists with `new SecretsClient().get`).
 */
export function getSecret(secretPath: string): Promise<string> {
  shared ??= new SecretsClient();
  return shared.getString(secretPath);
}
