/**
 * Tokens: the repository's reviewed token file and the server's runtime store, both behind
 * `TokenAuthority` (authority.ts), with Vault's token format, policy and TTL rules.
 */
export type { TokenAuthority, TokenInfo } from "./authority.js";
export type { TokenDetails, TokenStore } from "./store.js";
export { ttlLeft, liveAt } from "./store.js";
export { generateToken, generateAccessor, hashToken, SERVICE_TOKEN_PREFIX, TOKEN_RANDOM_LENGTH } from "./format.js";
export { sanitizePolicies, childPolicies, type ChildPolicyRequest } from "./policies.js";
export { creationTtl, renewalTtl, SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from "./ttl.js";
export { displayNameFor } from "./display-name.js";
export { REPOSITORY_TOKEN_FILE, parseTokenFile, renderTokenFile } from "./repository-file.js";
export { RepositoryTokenFile, renderTokenFileJsonSchema } from "./repository-file-schema.js";
export { RepositoryTokenStore, type RepositoryTokenRequest, type RepositoryTokenEntry } from "./repository-store.js";
export { RuntimeTokenStore, type ChildTokenRequest, type OrphanTokenRequest, type ParentLookup } from "./runtime-store.js";
export { RUNTIME_TOKEN_FILE } from "./runtime-file.js";
export { anyAuthority, combinedAuthority } from "./combined.js";
