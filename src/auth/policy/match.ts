/**
 * Which merged rule applies to a request path when no exact rule does (vault/acl.go
 * CheckAllowedFromNonExactPaths): the longest matching prefix rule and every matching `+` rule
 * compete, and the highest priority wins by the rules the Vault docs list under "Priority
 * matching" (docs/concepts/policies), in this order, P1 being lower priority when:
 *   1. its first wildcard (`+`) or glob (`*`) occurs earlier;
 *   2. it ends in `*` and the other does not;
 *   3. it has more `+` segments;
 *   4. it is shorter;
 *   5. it is smaller lexicographically.
 * A prefix rule's "first glob" is where its `*` was, i.e. the length of its stored path.
 */
import { CapabilityBit } from "./capabilities.js";
import type { Permissions } from "./policy.js";

interface Candidate {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  readonly wildcards: number;
  /** The rule path without a trailing `*`. */
  readonly path: string;
  readonly permissions: Permissions;
}

/** Negative when a is lower priority than b. */
function comparePriority(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The longest stored prefix that `path` starts with (go-radix LongestPrefix). */
function longestPrefix(prefixRules: ReadonlyMap<string, Permissions>, path: string): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixRules.keys()) {
    if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/** A `+` rule (as written, trailing `*` included) against the request path's segments. */
function segmentCandidate(rulePath: string, parts: readonly string[], permissions: Permissions): Candidate | undefined {
  const isPrefix = rulePath.endsWith("*");
  const path = isPrefix ? rulePath.slice(0, -1) : rulePath;
  const ruleParts = path.split("/");
  if (parts.length < ruleParts.length) return undefined;
  if (!isPrefix && parts.length !== ruleParts.length) return undefined;
  let wildcards = 0;
  for (const [i, rulePart] of ruleParts.entries()) {
    const part = parts[i]!;
    if (rulePart === "+") wildcards++;
    else if (rulePart === part) continue;
    else if (isPrefix && i === ruleParts.length - 1 && part.startsWith(rulePart)) continue;
    else return undefined;
  }
  return { firstWildcard: rulePath.indexOf("+"), isPrefix, wildcards, path, permissions };
}

/** The permissions of the highest-priority non-exact rule matching `path`, if any. */
export function matchNonExact(
  prefixRules: ReadonlyMap<string, Permissions>,
  segmentRules: ReadonlyMap<string, Permissions>,
  path: string,
): Permissions | undefined {
  const candidates: Candidate[] = [];
  const prefix = longestPrefix(prefixRules, path);
  if (prefix !== undefined) {
    const permissions = prefixRules.get(prefix)!;
    if (segmentRules.size === 0) return permissions;
    candidates.push({ firstWildcard: prefix.length, isPrefix: true, wildcards: 0, path: prefix, permissions });
  }
  const parts = path.split("/");
  for (const [rulePath, permissions] of segmentRules) {
    if (rulePath === "") continue;
    const candidate = segmentCandidate(rulePath, parts, permissions);
    if (candidate !== undefined) candidates.push(candidate);
  }
  candidates.sort(comparePriority);
  return candidates.at(-1)?.permissions;
}

/**
 * vault/acl.go CheckAllowedFromNonExactPaths with `bareMount` (what hasMountAccess asks for a mount
 * path such as `secret/`): whether the non-exact rules yield any permissions for it. The longest
 * prefix rule that `path` starts with counts whatever it grants (Vault returns its permissions,
 * deny included, and the caller only asks whether there are any). A `+` rule is walked segment
 * by segment without giving up on a mismatch; on reaching the mount's last segment it answers at
 * once when the segments it walked so far start with the mount path and it grants something
 * (not deny); else it is dropped. A `+` rule with fewer segments than that counts, as in Vault.
 */
export function bareMountMatches(prefixRules: ReadonlyMap<string, Permissions>, segmentRules: ReadonlyMap<string, Permissions>, path: string): boolean {
  if (longestPrefix(prefixRules, path) !== undefined) return true;
  const parts = path.split("/");
  for (const [rulePath, permissions] of segmentRules) {
    if (rulePath === "") continue;
    const isPrefix = rulePath.endsWith("*");
    const ruleParts = (isPrefix ? rulePath.slice(0, -1) : rulePath).split("/");
    let reachedEnd = false;
    const segments: string[] = [];
    for (const [i, rulePart] of ruleParts.entries()) {
      const part = parts[i]!;
      if (rulePart === "+" || rulePart === part) segments.push(part);
      else if (isPrefix && i === ruleParts.length - 1 && part.startsWith(rulePart)) segments.push(...parts.slice(i));
      // -2: the mount path ends with "/", so its last real segment is one before the end.
      if (i === parts.length - 2) {
        reachedEnd = true;
        const grants = (permissions.bits & CapabilityBit.deny) === 0 && permissions.bits > 0;
        if (`${segments.join("/")}/`.startsWith(path) && grants) return true;
        break;
      }
    }
    if (!reachedEnd) return true;
  }
  return false;
}
