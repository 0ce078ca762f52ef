/** The plain data types of secrets, shared by the secret-path layer and the SDK's public surface. */

/** A value as the SDK returns it: strings, numbers (bigint beyond 2^53), booleans, null, and maps/lists of them. */
export type SecretValue = string | number | bigint | boolean | null | SecretValue[] | { [key: string]: SecretValue };

export type MetadataScalar = string | number | boolean | null;

/** Metadata kept next to a value, in clear (`set(path, value, { metadata })`). */
export type SecretMetadata = Record<string, MetadataScalar>;

export interface SecretsClientOptions {
  /** The secrets root; relative to `cwd`. Default: `$SECRETS_ROOT`, else `secrets/` beside the `.sops.yaml`. */
  root?: string;
  /** age identities (`AGE-SECRET-KEY-1…`) to use instead of sops' lookup (SOPS_AGE_KEY, key file…). */
  identities?: string[];
  /**
   * The address of a `secrets serve` (or any Vault KV version 2 server), e.g. `https://vault.example.com`:
   * the client then reads and writes through its API instead of the files. Without it, and without
   * `root`, `identities` and `cwd`, `$VAULT_ADDR` is used when set (as hvac and the vault CLI do).
   */
  url?: string;
  /** The server's token. Default: `$VAULT_TOKEN`, else the file the vault CLI writes, `~/.vault-token`. */
  token?: string;
  /** The server's KV version 2 mount. Default: `secret`. */
  mount?: string;
  /** Milliseconds one request to the server may stay silent before it counts as failed. Default: 30000. */
  timeout?: number;
  /** How many times a request is tried again after a connection failure or a 5xx (not 501). Default: 2. */
  retries?: number;
  /** Where relative paths and the `.sops.yaml` search start. Default: `process.cwd()`. */
  cwd?: string;
}

export interface SecretsClientStats {
  /** Files decrypted (data key unwrapped and every value decrypted). */
  decryptions: number;
  /** Reads answered from memory because the file had not changed. */
  cacheHits: number;
}
