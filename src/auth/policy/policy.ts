/**
 * A parsed Vault ACL policy: its name, its text and its path rules, as vault/policy.go keeps them
 * (Policy, PathRules, ACLPermissions).
 */
import type { Capability } from "./capabilities.js";

/**
 * How a rule's path matches a request path (vault/policy.go parsePaths, vault/acl.go NewACL):
 * `exact` the path itself; `prefix` a path ending in `*` (the `*` stripped, any request path
 * starting with the rest matches); `segment-wildcard` a path with a `+` segment, kept as written
 * (a trailing `*` included) and matched segment by segment.
 */
export type PathKind = "exact" | "prefix" | "segment-wildcard";

/** What a rule grants on its path; the fields of Vault's ACLPermissions this project enforces. */
export interface Permissions {
  /** The capabilities as a bitmap (capabilities.ts CapabilityBit); deny alone when denied. */
  readonly bits: number;
  /** Parameter name (lower-cased) → permitted values; an empty list permits any value. */
  readonly allowedParameters: Readonly<Record<string, readonly unknown[]>> | undefined;
  /** Parameter name (lower-cased) → forbidden values; an empty list forbids every value. */
  readonly deniedParameters: Readonly<Record<string, readonly unknown[]>> | undefined;
  /** Parameters a request must carry, as written. */
  readonly requiredParameters: readonly string[];
  /** Seconds; 0 when unset. A request must ask for response wrapping within these bounds. */
  readonly minWrappingTtl: number;
  readonly maxWrappingTtl: number;
}

export interface PathRule {
  /** The path as Vault stores it: no leading `/`; a prefix rule without its trailing `*`. */
  readonly path: string;
  readonly kind: PathKind;
  /** The capabilities after the legacy `policy` shorthand is mapped; `["deny"]` alone when denied. */
  readonly capabilities: readonly Capability[];
  readonly permissions: Permissions;
  /**
   * The path holds identity templating (`{{identity.entity.id}}`). This server has no identity
   * entities, so such a rule never applies: Vault likewise drops a templated path it cannot fill
   * in (vault/policy.go parsePaths, `continue` on a templating error).
   */
  readonly templated: boolean;
}

export interface Policy {
  /** Lower-cased and trimmed, as Vault's policy store sanitizes names (vault/policy_store.go). */
  readonly name: string;
  /** The policy text as given (what `sys/policy/:name` returns as `rules`). */
  readonly raw: string;
  readonly paths: readonly PathRule[];
}
