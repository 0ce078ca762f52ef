/**
 * One `path "…" { … }` body → a PathRule, with Vault's checks and messages (vault/policy.go
 * parsePaths and validateParameter). Messages are Vault's without the `failed to parse policy: `
 * prefix, which parse.ts adds as parseACLPolicyWithTemplating does.
 */
import { bitmapOf, CapabilityBit, isCapability, LEGACY_POLICIES, type Capability } from "./capabilities.js";
import { parseDurationSeconds } from "./duration.js";
import type { PathBody } from "./schema.js";
import type { PathKind, PathRule, Permissions } from "./policy.js";

/** A rule body Vault refuses; the message is Vault's text. */
export class RuleError extends Error {}

const TEMPLATE = /\{\{.*?\}\}/;

export function compilePathRule(key: string, body: PathBody): PathRule {
  // vault/policy.go: a leading '/' is dropped, paths in Vault start after the '/' of the API path.
  let path = key.startsWith("/") ? key.slice(1) : key;
  if (path.includes("+*")) throw new RuleError(`path ${JSON.stringify(path)}: invalid use of wildcards ('+*' is forbidden)`);
  const segmentWildcards = path === "+" || path.includes("/+") || path.startsWith("+/");
  let kind: PathKind = segmentWildcards ? "segment-wildcard" : "exact";
  if (!segmentWildcards && path.endsWith("*")) {
    path = path.slice(0, -1);
    kind = "prefix";
  }
  const capabilities = ruleCapabilities(key, body);
  const templated = TEMPLATE.test(path);
  if (capabilities.includes("deny")) {
    // vault/policy.go: deny ends the body (`goto PathFinished`): nothing else of it is kept.
    return { path, kind, capabilities: ["deny"], permissions: denyPermissions(), templated };
  }
  return { path, kind, capabilities, permissions: rulePermissions(path, capabilities, body), templated };
}

function ruleCapabilities(key: string, body: PathBody): Capability[] {
  const names: string[] = [...(body.capabilities ?? [])];
  if (body.policy !== undefined && body.policy !== "") {
    const legacy = LEGACY_POLICIES[body.policy];
    if (legacy === undefined) throw new RuleError(`path ${JSON.stringify(key)}: invalid policy ${JSON.stringify(body.policy)}`);
    if (body.policy === "deny") return ["deny"];
    names.push(...legacy);
  }
  const out: Capability[] = [];
  for (const name of names) {
    if (!isCapability(name)) throw new RuleError(`path ${JSON.stringify(key)}: invalid capability ${JSON.stringify(name)}`);
    if (name === "deny") return ["deny"];
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function denyPermissions(): Permissions {
  return {
    bits: CapabilityBit.deny,
    allowedParameters: undefined,
    deniedParameters: undefined,
    requiredParameters: [],
    minWrappingTtl: 0,
    maxWrappingTtl: 0,
  };
}

function rulePermissions(path: string, capabilities: readonly Capability[], body: PathBody): Permissions {
  const minWrappingTtl = wrappingTtl("min_wrapping_ttl", body.min_wrapping_ttl);
  const maxWrappingTtl = wrappingTtl("max_wrapping_ttl", body.max_wrapping_ttl);
  if (minWrappingTtl !== 0 && maxWrappingTtl !== 0 && maxWrappingTtl < minWrappingTtl) {
    throw new RuleError("max_wrapping_ttl cannot be less than min_wrapping_ttl");
  }
  return {
    bits: bitmapOf(capabilities),
    allowedParameters: parameterMap(path, "allowed_parameters", body.allowed_parameters),
    deniedParameters: parameterMap(path, "denied_parameters", body.denied_parameters),
    // Vault keeps required parameters as written (its validation loop runs before they are
    // assigned, so it checks nothing); acl.go lower-cases them when it looks them up.
    requiredParameters: [...(body.required_parameters ?? [])],
    minWrappingTtl,
    maxWrappingTtl,
  };
}

function wrappingTtl(field: string, value: string | number | undefined): number {
  const parsed = parseDurationSeconds(value);
  if ("error" in parsed) throw new RuleError(`error parsing ${field}: ${parsed.error}`);
  return parsed.seconds;
}

function parameterMap(
  path: string,
  field: string,
  given: Record<string, unknown[]> | undefined,
): Record<string, readonly unknown[]> | undefined {
  if (given === undefined) return undefined;
  const out: Record<string, readonly unknown[]> = {};
  for (const [key, values] of Object.entries(given)) {
    const problem = parameterKeyProblem(key);
    if (problem !== undefined) throw new RuleError(`path ${JSON.stringify(path)}: ${field}: ${problem}`);
    out[key.toLowerCase()] = values;
  }
  return out;
}

/** vault/policy.go validateParameter: a wildcard key is `*` alone or a JSON pointer ending in `/*`. */
function parameterKeyProblem(key: string): string | undefined {
  if (!key.includes("*")) return undefined;
  if (key === "*") return undefined;
  if (key.startsWith("/") && key.endsWith("/*") && !key.slice(0, -2).includes("*")) return undefined;
  return `parameter key ${JSON.stringify(key)} cannot contain non-tail wildcards`;
}
