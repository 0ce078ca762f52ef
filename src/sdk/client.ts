import { SecretsError } from "../errors.js";
import type { SecretMetadata, SecretValue, SecretsClientOptions, SecretsClientStats } from "../secrets/types.js";
import { SecretTypeError, toTypedError, type SecretValueType } from "../secrets/errors.js";
import { parseDurationSeconds } from "../auth/policy/duration.js";
import type { SecretsBackend } from "./backend.js";
import { toDynamicSecret, type DatabaseCredentialField, type DynamicSecret, type RenewedLease } from "./dynamic.js";

/**
 * The SDK: secrets by path, from the encrypted files in the repository or from a server.
 *
 *   const client = new SecretsClient();            // root: secrets/ beside the .sops.yaml
 *   const url = await client.get("app/DATABASE_URL");
 *   const remote = new SecretsClient({ url: "https://vault.example.com", token });  // `secrets serve`, or a Vault
 *
 * One class over either back end (backend.ts): the files (local-backend.ts: decrypted files kept in
 * memory, never on disk, read again when a file changes) or a server's Vault KV version 2 API
 * (remote/backend.ts: keep-alive connections, bounded retries). Which one: `url`, else `$VAULT_ADDR`
 * when no option of the files (`root`, `identities`, `cwd`) is given, else the files. Every error is
 * a SecretsError, typed where it matters (SecretNotFound, NoMatchingKey, IntegrityError,
 * PolicyError, SecretPathError, PermissionDenied, ServerUnavailable), and carries no value and no token.
 */

async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toTypedError(e);
  }
}

interface ClientState {
  backend: SecretsBackend;
  options: typeof import("./options.js");
}

export class SecretsClient {
  readonly #state: Promise<ClientState>;
  #backend: SecretsBackend | undefined;
  #closed = false;

  /**
   * Options are checked against their zod schema on first use (zod is loaded then, so that importing
   * the SDK stays cheap): an invalid option rejects every call with a one-line SecretsError. The
   * server's client is loaded only when a server is used.
   */
  constructor(options: SecretsClientOptions = {}) {
    this.#state = import("./options.js").then(async (m) => {
      const o = m.parseInput(m.ClientOptionsSchema, options, "SecretsClient options");
      const { serverUrlFor } = await import("./remote/settings.js");
      const url = serverUrlFor(o, process.env, m.isServerUrl);
      const backend = url !== undefined ? await (await import("./remote/backend.js")).RemoteBackend.open(o, url, process.env) : await (await import("./local-backend.js")).LocalBackend.open(o);
      this.#backend = backend;
      if (this.#closed) backend.close();
      return { backend, options: m };
    });
    // Reported by the calls that await it; never an unhandled rejection of its own.
    this.#state.catch(() => undefined);
  }

  /** The absolute secrets root this client reads; a client of a server has none (a usage error). */
  async root(): Promise<string> {
    const root = (await this.#state).backend.root();
    if (root === undefined) throw new SecretsError("usage", "this client reads a server: it has no secrets root");
    return root;
  }

  /** One secret: a string for a string, numbers, booleans, and maps/lists as plain data. */
  async get(secretPath: string): Promise<SecretValue> {
    const { backend, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    return typed(() => backend.get(p));
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
    const { backend, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    return typed(() => backend.getMetadata(p));
  }

  /**
   * Many secrets, keyed by the paths given. Each file (each secret, on a server) is read once
   * however many paths it serves: one decryption, or one request.
   */
  async getMany(secretPaths: readonly string[]): Promise<Record<string, SecretValue>> {
    const { backend, options: m } = await this.#state;
    const ps = m.parseInput(m.PathListSchema, secretPaths, "secret paths");
    const got = await typed(() => backend.getMany(ps));
    const out: Record<string, SecretValue> = {};
    for (const [k, v] of got) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * Sets a secret (creating its file under the .sops.yaml rule when no file holds it yet). Over the
   * files: the encrypted file is written atomically, `metadata` kept next to the value, in clear.
   * Over a server: a check-and-set write of that key only, `metadata` in the secret's custom_metadata.
   */
  async set(secretPath: string, value: SecretValue, options?: { metadata?: SecretMetadata }): Promise<void> {
    const { backend, options: m } = await this.#state;
    const p = m.parseInput(m.SecretPathSchema, secretPath, "secret path");
    const v = m.parseInput(m.SecretValueSchema, value, "secret value");
    const opts = m.parseInput(m.SetOptionsSchema, options, "set options");
    await typed(() => backend.set(p, v, opts?.metadata));
  }

  /** The secret paths under a prefix (a folder, a file or a key; "" for all), sorted. Over the files, decrypts nothing. */
  async list(prefix = ""): Promise<string[]> {
    const { backend, options: m } = await this.#state;
    const p = m.parseInput(m.PrefixSchema, prefix, "prefix");
    return typed(() => backend.list(p));
  }

  /**
   * A dynamic secret: a credential minted now, with its lease.
   *
   *   const db = await client.getDynamic("database/creds/app");          // { username, password, expires_in, lease_id, renewable }
   *   const aws = await client.getDynamic<AwsCredentialField>("aws/sts/deploy");  // { access_key, secret_key, session_token, … }
   *
   * Over the files: the repository's engine (`.secrets/engines/<mount>/`), opened with this
   * client's identities, the lease recorded in the checkout's state directory; over a server: its
   * `<mount>/creds/<role>`. `ttl` (seconds or `"15m"`) is capped at the role's max TTL; without it,
   * the role's default. Revoke it when done (`revoke(secret.lease_id)`); it ends at `expires_in` anyway.
   */
  async getDynamic<Field extends string = DatabaseCredentialField>(credsPath: string, options?: { ttl?: number | string }): Promise<DynamicSecret<Field>> {
    const { backend, options: m } = await this.#state;
    const p = m.parseInput(m.CredsPathSchema, credsPath, "dynamic secret path");
    const opts = m.parseInput(m.DynamicOptionsSchema, options, "getDynamic options");
    const ttl = durationSeconds(opts?.ttl, "ttl");
    const issued = await typed(() => backend.dynamic().issue(p, ttl));
    return toDynamicSecret<Field>(issued);
  }

  /** Extends a lease by `increment` (seconds or `"1h"`; default the role's TTL), never past the role's max TTL. */
  async renew(leaseId: string, options?: { increment?: number | string }): Promise<RenewedLease> {
    const { backend, options: m } = await this.#state;
    const id = m.parseInput(m.LeaseIdSchema, leaseId, "lease id");
    const opts = m.parseInput(m.RenewOptionsSchema, options, "renew options");
    const increment = durationSeconds(opts?.increment, "increment");
    return typed(() => backend.dynamic().renew(id, increment));
  }

  /** Revokes a lease: its credential stops working now (for PostgreSQL, open sessions end too). Success when it is gone already. */
  async revoke(leaseId: string): Promise<void> {
    const { backend, options: m } = await this.#state;
    const id = m.parseInput(m.LeaseIdSchema, leaseId, "lease id");
    await typed(() => backend.dynamic().revoke(id));
  }

  /** Counters: files decrypted, reads served from memory (both 0 for a server, which decrypts). */
  stats(): SecretsClientStats {
    return this.#backend?.stats() ?? { decryptions: 0, cacheHits: 0 };
  }

  /** Drops every decrypted file from memory. */
  clearCache(): void {
    this.#backend?.clearCache();
  }

  /**
   * Closes a server client's keep-alive connections (a request in flight fails). Optional: idle
   * connections never keep a process alive. A client of the files holds nothing open.
   */
  close(): void {
    this.#closed = true;
    this.#backend?.close();
  }
}

/** A duration option as whole seconds (absent: 0, the role's default). Kind `usage` naming the option, never the value. */
function durationSeconds(given: number | string | undefined, name: string): number {
  if (given === undefined) return 0;
  const parsed = parseDurationSeconds(given);
  if ("error" in parsed || parsed.seconds < 0) throw new SecretsError("usage", `invalid ${name}: expected whole seconds or a duration such as "15m"`);
  return Math.floor(parsed.seconds);
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
