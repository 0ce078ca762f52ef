import type { DynamicBackend } from "./dynamic.js";
import type { SecretMetadata, SecretValue, SecretsClientStats } from "../secrets/types.js";

/**
 * What a SecretsClient reads and writes through: the repository's encrypted files
 * (local-backend.ts) or a server's Vault KV version 2 API (remote/backend.ts). The client is one
 * class over either; it parses every input with its zod schemas before calling here.
 *
 * Both answer in the one secret-path namespace (src/secrets/path.ts, src/secrets/resolve.ts:
 * `database/postgres/password` is key `password` of the file or secret `database/postgres`, the
 * longest existing prefix winning) and fail with the same typed errors (src/secrets/errors.ts).
 * No error of either holds a value, a key or a token.
 */
export interface SecretsBackend {
  /** The value at `path`; SecretNotFound when nothing holds it. */
  get(path: string): Promise<SecretValue>;
  /** The values at `paths`, keyed by the paths as given; all missing ones in one SecretNotFound. */
  getMany(paths: readonly string[]): Promise<Map<string, SecretValue>>;
  /** The metadata kept for the secret at `path` (undefined: none); SecretNotFound when the secret is missing. */
  getMetadata(path: string): Promise<SecretMetadata | undefined>;
  /** Sets the secret at `path`, and its metadata when given (a set without metadata keeps the old). */
  set(path: string, value: SecretValue, metadata: SecretMetadata | undefined): Promise<void>;
  /** The secret paths under `prefix` ("" for all), sorted. */
  list(prefix: string): Promise<string[]>;
  /** The absolute secrets root, for a backend over files; undefined for a server. */
  root(): string | undefined;
  stats(): SecretsClientStats;
  clearCache(): void;
  /** Dynamic secrets and their leases (dynamic.ts), from the same repository or server. */
  dynamic(): DynamicBackend;
  /** Releases what the backend holds open (a server's keep-alive connections, database pools). */
  close(): void;
}
