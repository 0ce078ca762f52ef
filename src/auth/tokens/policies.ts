/**
 * A token's policy list, as Vault's token store settles it.
 *
 * - `sanitizePolicies` is sdk/helper/policyutil SanitizePolicies: names trimmed and lower-cased,
 *   empty names dropped, `root` alone when present, `default` added when asked (not beside
 *   `root`), duplicates removed, sorted (strutil.RemoveDuplicates sorts).
 * - `childPolicies` is internal/vault/token_store.go resolveTokenPolicies for a token created
 *   without a role: no policies given inherits the parent's; otherwise, unless the creator has
 *   `sudo` on the create path (a root token has), the requested policies must be a subset of the
 *   parent's (both sanitized, `default` not added to either), and `default` is added when the
 *   parent has it;
 *   with sudo, `default` is added unless `no_default_policy`. Then handleCreateCommon's rule:
 *   a `root` child needs a `root` parent, whatever sudo says.
 */
import { SecretsError } from "../../errors.js";

/**
 * Vault's built-in policy names (as ../policy/builtin.ts names them). Not imported from there:
 * builtin.ts loads the HCL parser, which `secrets token` must not pull into the CLI bundle.
 */
export const ROOT_POLICY_NAME = "root";
export const DEFAULT_POLICY_NAME = "default";

/** Policies no token may carry (internal/vault/policy/policy_store.go NonAssignablePolicies). */
const NON_ASSIGNABLE = ["response-wrapping"];

export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== "");
  if (names.includes(ROOT_POLICY_NAME)) return [ROOT_POLICY_NAME];
  if (addDefault && !names.includes(DEFAULT_POLICY_NAME)) names.push(DEFAULT_POLICY_NAME);
  return [...new Set(names)].sort();
}

export interface ChildPolicyRequest {
  /** `policies` of the create request (empty: inherit the parent's). */
  requested: readonly string[];
  /** `no_default_policy`. */
  noDefaultPolicy?: boolean;
  /** Whether the creating token has `sudo` (or `root`) on the create path: the server's ACL says. */
  sudo: boolean;
}

/**
 * The child's policies, or a SecretsError kind `usage` (Vault answers 400) with Vault's message:
 * `child policies must be subset of parent`, `root tokens may not be created without parent token
 * being root`, `cannot assign policy "…"`.
 */
export function childPolicies(parent: readonly string[], request: ChildPolicyRequest): string[] {
  let policies = [...request.requested];
  let addDefault = false;
  if (policies.length === 0) {
    policies = sanitizePolicies(parent, false);
  } else if (!request.sudo) {
    const allowed = new Set(sanitizePolicies(parent, false));
    if (!sanitizePolicies(policies, false).every((p) => allowed.has(p))) throw new SecretsError("usage", "child policies must be subset of parent");
    addDefault = !request.noDefaultPolicy && parent.includes(DEFAULT_POLICY_NAME);
  } else {
    addDefault = !request.noDefaultPolicy;
  }
  let final = sanitizePolicies(policies, addDefault);
  if (request.noDefaultPolicy) final = final.filter((p) => p !== DEFAULT_POLICY_NAME);
  if (final.includes(ROOT_POLICY_NAME) && !parent.includes(ROOT_POLICY_NAME)) {
    throw new SecretsError("usage", "root tokens may not be created without parent token being root");
  }
  const forbidden = final.find((p) => NON_ASSIGNABLE.includes(p));
  if (forbidden !== undefined) throw new SecretsError("usage", `cannot assign policy ${JSON.stringify(forbidden)}`);
  return final;
}
