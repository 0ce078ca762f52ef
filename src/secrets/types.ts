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
  /** The Vault-compatible secrets server: not available yet (the client refuses these options). */
  url?: string;
  token?: string;
  /** Where relative paths and the `.sops.yaml` search start. Default: `process.cwd()`. */
  cwd?: string;
}

export interface SecretsClientStats {
  /** Files decrypted (data key unwrapped and every value decrypted). */
  decryptions: number;
  /** Reads answered from memory because the file had not changed. */
  cacheHits: number;
}
