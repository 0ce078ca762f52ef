/**
 * Vault's built-in policies. `root` has no rules: holding it is what grants everything
 * (vault/policy_store.go GetPolicy special-cases it; vault/acl.go fast-paths it). `default` is
 * attached to every other token; its rules are the list in Vault's defaultPolicy
 * (vault/policy_store.go, as `vault policy read default` prints it in current Vault), kept here
 * as data. Its two identity-templated paths never apply here (no identity entities; see
 * PathRule.templated), as in Vault for a token without an entity.
 */
import type { Capability } from "./capabilities.js";
import { policyFromDocument } from "./parse.js";
import type { Policy } from "./policy.js";
import type { PolicyDocument } from "./schema.js";

export const ROOT_POLICY_NAME = "root";
export const DEFAULT_POLICY_NAME = "default";

interface DefaultRule {
  readonly path: string;
  readonly capabilities: readonly Capability[];
  /** Why Vault grants it (Vault's comment, in our words). */
  readonly why: string;
}

/** vault/policy_store.go defaultPolicy, rule by rule, in Vault's order. */
export const DEFAULT_POLICY_RULES: readonly DefaultRule[] = [
  { path: "auth/token/lookup-self", capabilities: ["read"], why: "a token may look up its own properties" },
  { path: "auth/token/renew-self", capabilities: ["update"], why: "a token may renew itself" },
  { path: "auth/token/revoke-self", capabilities: ["update"], why: "a token may revoke itself" },
  { path: "sys/capabilities-self", capabilities: ["update"], why: "a token may ask its own capabilities on a path" },
  { path: "identity/entity/id/{{identity.entity.id}}", capabilities: ["read"], why: "a token may read its own entity by id" },
  { path: "identity/entity/name/{{identity.entity.name}}", capabilities: ["read"], why: "a token may read its own entity by name" },
  { path: "sys/internal/ui/resultant-acl", capabilities: ["read"], why: "a token may read its resultant ACL (for UIs)" },
  { path: "sys/renew", capabilities: ["update"], why: "lease renewal by lease_id in the body (old path)" },
  { path: "sys/leases/renew", capabilities: ["update"], why: "lease renewal by lease_id in the body" },
  { path: "sys/leases/lookup", capabilities: ["update"], why: "lease lookup, knowing the lease id" },
  { path: "cubbyhole/*", capabilities: ["create", "read", "update", "delete", "list"], why: "a token's own cubbyhole" },
  { path: "sys/wrapping/wrap", capabilities: ["update"], why: "wrapping values in a response-wrapping token" },
  { path: "sys/wrapping/lookup", capabilities: ["update"], why: "creation time and TTL of a response-wrapping token" },
  { path: "sys/wrapping/unwrap", capabilities: ["update"], why: "unwrapping without swapping tokens" },
  { path: "sys/tools/hash", capabilities: ["update"], why: "general purpose tools" },
  { path: "sys/tools/hash/*", capabilities: ["update"], why: "general purpose tools" },
  { path: "sys/control-group/request", capabilities: ["update"], why: "control group request status, knowing the accessor" },
  { path: "identity/oidc/provider/+/authorize", capabilities: ["read", "update"], why: "the OIDC providers' authorization endpoint" },
];

/** The default policy's text in HCL, rendered from the rules (what `sys/policy/default` returns). */
export function defaultPolicyText(): string {
  return DEFAULT_POLICY_RULES.map(
    (r) => `# ${r.why}\npath ${JSON.stringify(r.path)} {\n    capabilities = [${r.capabilities.map((c) => JSON.stringify(c)).join(", ")}]\n}\n`,
  ).join("\n");
}

export function defaultPolicy(): Policy {
  const document: PolicyDocument = {
    path: Object.fromEntries(DEFAULT_POLICY_RULES.map((r) => [r.path, { capabilities: [...r.capabilities] }])),
  };
  return policyFromDocument(DEFAULT_POLICY_NAME, defaultPolicyText(), document);
}

export function rootPolicy(): Policy {
  return { name: ROOT_POLICY_NAME, raw: "", paths: [] };
}
