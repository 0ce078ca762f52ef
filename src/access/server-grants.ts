/**
 * What the server's tokens and auth roles may do, as `secrets policy diff` compares it between two
 * revisions (server-diff.ts reads the files; this module only computes, from parsed data).
 *
 * A subject is a repository token (`.secrets/tokens.yaml`) or an auth role
 * (`.secrets/auth/<mount>/roles/<name>.yaml`): its policy names, settled as Vault settles them
 * (sanitized; a role's login token gets `default` unless `token_no_default_policy`). Its grants
 * are, per Vault path as the policies write it (`secret/data/app/*`, `+` segments kept), the
 * capabilities its policies give there and which policies give each; rules of the same path are
 * merged as vault/acl.go merges them, so a `deny` there leaves only `deny`. `root` is every
 * capability on every path: shown as path `*` with capability `root`, what `sys/capabilities-self`
 * answers for it.
 *
 * The comparison is per path as written, not per request path: a rule for a longer path that
 * shadows a shorter one (Vault's most-specific match) shows as its own row. Parameter constraints
 * and wrapping TTLs are not compared, and identity-templated paths never apply (no entities here).
 */
import { z } from "zod";
import { defaultPolicy, DEFAULT_POLICY_NAME, policyName, ROOT_POLICY_NAME, type Capability, type Policy } from "../auth/policy/index.js";
import { sanitizePolicies } from "../auth/tokens/policies.js";
import type { RepositoryTokenFile } from "../auth/tokens/repository-file.js";

/** Where an auth role lives, relative to the top: `.secrets/auth/<mount>/roles/<name>.yaml` (the mount may have several segments). */
export const ROLE_FILE = /^\.secrets\/auth\/(.+)\/roles\/([^/]+)\.yaml$/;

/**
 * The fields of a role that decide what its logins may do and who may log in: Vault's role
 * fields (vault-plugin-auth-jwt path_role.go; tokenutil). Any other field of the file is left to
 * the auth method's own schema: this reads a role file whatever else it holds.
 */
export const RoleGrantFields = z.looseObject({
  token_policies: z.array(z.string()).optional(),
  /** Vault's deprecated spelling of token_policies, used only when token_policies is absent. */
  policies: z.array(z.string()).optional(),
  token_no_default_policy: z.boolean().optional(),
  bound_subject: z.string().optional(),
  bound_claims: z.record(z.string(), z.unknown()).optional(),
});
export type RoleGrantInput = z.infer<typeof RoleGrantFields>;

/** Who may log in to a role: its bindings as the file states them (absent: none). */
export interface RoleBinding {
  readonly bound_subject?: string;
  readonly bound_claims?: Readonly<Record<string, unknown>>;
}

export type SubjectKind = "token" | "role";

export interface ServerSubject {
  readonly kind: SubjectKind;
  /** The token's name, or the role as `<mount>/<name>`. */
  readonly name: string;
  /** Sanitized policy names. */
  readonly policies: readonly string[];
  readonly binding?: RoleBinding;
}

/** Capabilities on one path, each with the policies that give it. */
export type PathGrant = ReadonlyMap<Capability | "root", readonly string[]>;
/** A subject's grants: path as written → its capabilities. */
export type Grants = ReadonlyMap<string, PathGrant>;

/** Every token of the file as a subject. */
export function tokenSubjects(file: RepositoryTokenFile): ServerSubject[] {
  return Object.entries(file.tokens).map(([name, t]) => ({ kind: "token", name, policies: sanitizePolicies(t.policies, false) }));
}

/** A role as a subject, from its parsed fields (a role file read by any parser that yields them). */
export function roleSubject(mount: string, name: string, role: RoleGrantInput): ServerSubject {
  const named = role.token_policies ?? role.policies ?? [];
  const binding: RoleBinding = {
    ...(role.bound_subject !== undefined ? { bound_subject: role.bound_subject } : {}),
    ...(role.bound_claims !== undefined ? { bound_claims: role.bound_claims } : {}),
  };
  return { kind: "role", name: `${mount}/${name}`, policies: sanitizePolicies(named, role.token_no_default_policy !== true), binding };
}

/** Where each capability of a path rule shows: `*` kept on a prefix rule, as the policy writes it. */
function shownPath(rule: Policy["paths"][number]): string {
  return rule.kind === "prefix" ? `${rule.path}*` : rule.path;
}

/**
 * The grants of `subject` when the repository holds `policies` (by name; `default` falls back to
 * Vault's built-in one, a name with no policy grants nothing).
 */
export function grantsOf(subject: ServerSubject, policies: ReadonlyMap<string, Policy>): Grants {
  const out = new Map<string, Map<Capability | "root", string[]>>();
  const add = (path: string, cap: Capability | "root", policy: string): void => {
    let caps = out.get(path);
    if (!caps) out.set(path, (caps = new Map<Capability | "root", string[]>()));
    const by = caps.get(cap) ?? [];
    if (!by.includes(policy)) caps.set(cap, [...by, policy]);
  };
  const names = subject.policies.map(policyName);
  if (names.includes(ROOT_POLICY_NAME)) {
    add("*", "root", ROOT_POLICY_NAME);
    return out;
  }
  for (const name of names) {
    const policy = policies.get(name) ?? (name === DEFAULT_POLICY_NAME ? defaultPolicy() : undefined);
    if (!policy) continue;
    for (const rule of policy.paths) {
      if (rule.templated) continue;
      for (const cap of rule.capabilities) add(shownPath(rule), cap, name);
    }
  }
  // vault/acl.go: a deny on a path, from any policy, is all that path grants.
  for (const caps of out.values()) {
    const deny = caps.get("deny");
    if (deny) {
      caps.clear();
      caps.set("deny", deny);
    }
  }
  return out;
}

export type GrantChangeKind = "gained" | "lost";

export interface GrantChange {
  readonly path: string;
  readonly change: GrantChangeKind;
  /** In display order (create, read, update, patch, delete, list, sudo, deny; root alone). */
  readonly capabilities: readonly (Capability | "root")[];
  /** The policies giving them, at the side that has them. */
  readonly policies: readonly string[];
}

/** Every capability, in the order a reviewer reads them (the Record makes a new capability a compile error here). */
const RANK: Readonly<Record<Capability | "root", number>> = { root: 0, create: 1, read: 2, update: 3, patch: 4, delete: 5, list: 6, sudo: 7, deny: 8 };
const rank = (c: Capability | "root"): number => RANK[c];

/** The paths × capabilities `head` has and `base` has not (gained), and the other way (lost), by path then lost first. */
export function compareGrants(base: Grants, head: Grants): GrantChange[] {
  const out: GrantChange[] = [];
  const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
  const side = (from: PathGrant | undefined, other: PathGrant | undefined, change: GrantChangeKind, path: string): void => {
    if (!from) return;
    const caps = [...from.keys()].filter((c) => !other?.has(c)).sort((a, b) => rank(a) - rank(b));
    if (caps.length === 0) return;
    const policies = [...new Set(caps.flatMap((c) => from.get(c) ?? []))].sort();
    out.push({ path, change, capabilities: caps, policies });
  };
  for (const path of paths) {
    side(base.get(path), head.get(path), "lost", path);
    side(head.get(path), base.get(path), "gained", path);
  }
  return out;
}

/** A binding as one comparable text: keys sorted at every level, as canonical JSON. */
export function bindingKey(binding: RoleBinding | undefined): string {
  const canonical = (v: unknown): unknown =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as Record<string, unknown>).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
      : Array.isArray(v)
        ? v.map(canonical)
        : v;
  return JSON.stringify(canonical(binding ?? {}));
}
