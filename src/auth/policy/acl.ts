/**
 * compileAcl: a token's policies → one ACL, and its two questions: which capabilities on a path
 * (`sys/capabilities-self`), and whether an operation is allowed (vault/acl.go NewACL,
 * AllowOperation, Capabilities).
 *
 * Rules are merged per path and kind before any matching (merge.ts), in three tables as Vault
 * keeps them: exact paths, prefix paths (`…*`) and `+` paths. A request path is looked up exactly
 * first; then the highest-priority non-exact rule (match.ts). No rule: denied, as Vault is deny by
 * default. The `root` policy allows everything, sudo included.
 */
import { SecretsError } from "../../errors.js";
import { CapabilityBit, reportCapabilities, type Capability, type ReportedCapability } from "./capabilities.js";
import { PERMISSION_DENIED, PERMISSION_DENIED_BODY, PERMISSION_DENIED_ERROR, PERMISSION_DENIED_STATUS } from "./denied.js";
import { bareMountMatches, matchNonExact } from "./match.js";
import { mergePermissions } from "./merge.js";
import type { Operation } from "./operation.js";
import { parametersAllowed } from "./parameters.js";
import type { Permissions, Policy } from "./policy.js";

export interface AllowOptions {
  /** The response-wrapping TTL the request asks for, in seconds; undefined when not wrapped. */
  readonly wrapTtlSeconds?: number | undefined;
  /** The path is root-protected (Vault's PathsSpecial.Root): allowed only with `sudo`. */
  readonly sudoRequired?: boolean | undefined;
}

/** A request the ACL allows: `sudo` when the matched rule grants it (or the token is root). */
export interface Allowed {
  readonly allowed: true;
  readonly sudo: boolean;
  readonly root: boolean;
}

/** A request the ACL refuses, with what Vault answers. */
export interface Denied {
  readonly allowed: false;
  readonly status: typeof PERMISSION_DENIED_STATUS;
  /** `permission denied` */
  readonly message: typeof PERMISSION_DENIED;
  /** The single entry of the response's `errors`. */
  readonly error: typeof PERMISSION_DENIED_ERROR;
  /** The exact response body. */
  readonly body: typeof PERMISSION_DENIED_BODY;
}

export type Decision = Allowed | Denied;

export interface Acl {
  /** True when the token holds the `root` policy. */
  readonly root: boolean;
  /**
   * What `sys/capabilities-self` reports for `path`: `["root"]` for root, `["deny"]` when nothing
   * (or an explicit deny) applies, else the granted capabilities in Vault's order.
   */
  capabilities(path: string): ReportedCapability[];
  /** Whether the operation on `path` with these request parameters is allowed. */
  allows(operation: Operation, path: string, params?: Readonly<Record<string, unknown>>, options?: AllowOptions): Decision;
  /**
   * Whether the token may see the mount at `mountPath` (with its trailing `/`) in
   * `sys/internal/ui/mounts`: vault/logical_system.go hasMountAccess. Any capability on the mount
   * path itself, or any rule below it that grants something other than deny, or a non-exact rule
   * that reaches it (match.ts bareMountMatches).
   */
  mountAccess(mountPath: string): boolean;
}

const DENIED: Denied = {
  allowed: false,
  status: PERMISSION_DENIED_STATUS,
  message: PERMISSION_DENIED,
  error: PERMISSION_DENIED_ERROR,
  body: PERMISSION_DENIED_BODY,
};

/** The capability each operation needs (vault/acl.go AllowOperation's switch). */
const NEEDS: Readonly<Record<Operation, Capability>> = {
  read: "read",
  list: "list",
  update: "update",
  delete: "delete",
  create: "create",
  patch: "patch",
};

/** The operations whose parameters the rule constrains (vault/acl.go AllowOperation). */
const PARAMETER_OPERATIONS: ReadonlySet<Operation> = new Set(["read", "update", "create", "patch"]);

interface Tables {
  readonly exact: Map<string, Permissions>;
  readonly prefix: Map<string, Permissions>;
  readonly segment: Map<string, Permissions>;
}

/**
 * One ACL from a token's policies. The `root` policy must come alone, as Vault requires
 * (`other policies present along with root`, a SecretsError of kind `usage`).
 */
export function compileAcl(policies: readonly Policy[]): Acl {
  const root = policies.some((p) => p.name === "root");
  if (root && policies.length !== 1) throw new SecretsError("usage", "other policies present along with root");
  const tables: Tables = { exact: new Map(), prefix: new Map(), segment: new Map() };
  for (const policy of policies) {
    for (const rule of policy.paths) {
      if (rule.templated) continue;
      const table = rule.kind === "exact" ? tables.exact : rule.kind === "prefix" ? tables.prefix : tables.segment;
      const existing = table.get(rule.path);
      table.set(rule.path, existing === undefined ? rule.permissions : mergePermissions(existing, rule.permissions));
    }
  }
  return {
    root,
    capabilities(path) {
      if (root) return ["root"];
      return reportCapabilities(lookup(tables, normalize(path), "list")?.bits ?? 0);
    },
    allows(operation, path, params = {}, options = {}) {
      if (root) return { allowed: true, sudo: true, root: true };
      const permissions = lookup(tables, normalize(path), operation);
      if (permissions === undefined) return DENIED;
      const sudo = (permissions.bits & CapabilityBit.sudo) !== 0;
      if (!permitted(permissions, operation, params, options.wrapTtlSeconds)) return DENIED;
      if (options.sudoRequired === true && !sudo) return DENIED;
      return { allowed: true, sudo, root: false };
    },
    mountAccess(mountPath) {
      if (root) return true;
      const path = normalize(mountPath);
      if (!reportCapabilities(lookup(tables, path, "list")?.bits ?? 0).includes("deny")) return true;
      // go-radix WalkPrefix over the exact, then the prefix rules: a rule at or below the mount that grants anything.
      const grantsBelow = (table: ReadonlyMap<string, Permissions>) =>
        [...table].some(([p, perms]) => p.startsWith(path) && (perms.bits & CapabilityBit.deny) === 0 && (perms.bits & ~CapabilityBit.deny) !== 0);
      return grantsBelow(tables.exact) || grantsBelow(tables.prefix) || bareMountMatches(tables.prefix, tables.segment, path);
    },
  };
}

/** vault/acl.go strips every leading `/` as defence in depth. */
function normalize(path: string): string {
  return path.replace(/^\/+/, "");
}

/**
 * The rule for a path: exact first; for a list, the exact path without its trailing `/`, then
 * the non-exact rules for the path without it (a `secret/foo*` rule matches a list of
 * `secret/foo/`); then the non-exact rules for the path as given.
 */
function lookup(tables: Tables, path: string, operation: Operation): Permissions | undefined {
  const exact = tables.exact.get(path);
  if (exact !== undefined) return exact;
  const isList = operation === "list";
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  if (isList) {
    const exactTrimmed = tables.exact.get(trimmed);
    if (exactTrimmed !== undefined) return exactTrimmed;
    if (path.endsWith("/")) {
      const found = matchNonExact(tables.prefix, tables.segment, trimmed);
      if (found !== undefined) return found;
    }
  }
  return matchNonExact(tables.prefix, tables.segment, path);
}

function permitted(
  permissions: Permissions,
  operation: Operation,
  params: Readonly<Record<string, unknown>>,
  wrapTtl: number | undefined,
): boolean {
  if ((permissions.bits & CapabilityBit[NEEDS[operation]]) === 0) return false;
  const { minWrappingTtl: min, maxWrappingTtl: max } = permissions;
  if (max > 0 && (wrapTtl === undefined || wrapTtl > max)) return false;
  if (min > 0 && (wrapTtl === undefined || wrapTtl < min)) return false;
  // Merging can leave max below min even though one rule cannot (vault/acl.go says the same).
  if (min !== 0 && max !== 0 && max < min) return false;
  return !PARAMETER_OPERATIONS.has(operation) || parametersAllowed(permissions, params);
}
