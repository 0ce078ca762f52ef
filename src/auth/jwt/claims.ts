/**
 * What a role asks of a verified token's claims, as vault-plugin-auth-jwt's claims.go answers it:
 *
 * - a claim is named directly, or by a JSON pointer when it starts with `/` (`/a/b/0`); a pointer
 *   that leads nowhere is a missing claim. A number claim reads as its integer (Go's json.Number of
 *   int(v)): `42.9` matches a bound `42`;
 * - `bound_claims`: every bound claim must be present and one of its values must equal one of the
 *   claim's values (a list claim matches on any element); with `bound_claims_type: glob` the bound
 *   values are ryanuber/go-glob patterns (`*` matches any run of characters; nothing else is
 *   special) over string claims;
 * - `claim_mappings`: claim → token metadata key, string claims only; a missing claim is skipped.
 *
 * Errors are Vault's texts.
 */
import { SecretsError } from "../../errors.js";
import type { Claims } from "./keys.js";

/** A claim's value after getClaim: numbers become integer text tagged as numbers (json.Number). */
export type ClaimValue = string | boolean | { readonly number: string } | readonly unknown[] | Readonly<Record<string, unknown>> | null;

/** mitchellh/pointerstructure.Get over the claims; undefined when the pointer leads nowhere. */
function pointerGet(claims: Claims, pointer: string): unknown {
  let node: unknown = claims;
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) return undefined;
      const i = Number(part);
      if (i >= node.length) return undefined;
      node = node[i] as unknown;
    } else if (node !== null && typeof node === "object") {
      if (!Object.hasOwn(node, part)) return undefined;
      node = (node as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return node;
}

/** claims.go getClaim: the value (undefined when missing), numbers as integer json.Numbers. */
export function getClaim(claims: Claims, claim: string): ClaimValue | undefined {
  const v = claim.startsWith("/") ? pointerGet(claims, claim) : Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (v === undefined) return undefined;
  if (typeof v === "number") return { number: String(Math.trunc(v)) };
  return v as ClaimValue;
}

/** Go's nil check: a claim that is absent or JSON null. */
const missing = (v: ClaimValue | undefined): v is null | undefined => v === undefined || v === null;

/** claims.go normalizeList: a string, bool or number becomes a one-element list; a list stays; anything else is not a list. */
function normalizeList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v as unknown[];
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") return [v];
  if (v !== null && typeof v === "object" && "number" in v && Object.keys(v).length === 1) return [v];
  return undefined;
}

/**
 * A list element as Go compares interface values. Bound values come from a JSON body decoded with
 * UseNumber (or a YAML file), so their numbers are json.Numbers; a claim's top-level number is one
 * too (getClaim), but a number inside a list claim stays a float64 and never equals a json.Number.
 * Maps and lists are never equal.
 */
function comparable(v: unknown, side: "bound" | "claim"): string | undefined {
  if (typeof v === "string") return `s:${v}`;
  if (typeof v === "boolean") return `b:${v}`;
  if (typeof v === "number") return side === "bound" ? `n:${String(v)}` : `f:${String(v)}`;
  if (v !== null && typeof v === "object" && "number" in v) return `n:${(v as { number: string }).number}`;
  return undefined;
}

/** ryanuber/go-glob Glob. */
export function glob(pattern: string, subject: string): boolean {
  if (pattern === "") return subject === pattern;
  if (pattern === "*") return true;
  const parts = pattern.split("*");
  if (parts.length === 1) return subject === pattern;
  const leading = pattern.startsWith("*");
  const trailing = pattern.endsWith("*");
  const end = parts.length - 1;
  let subj = subject;
  for (let i = 0; i < end; i++) {
    const idx = subj.indexOf(parts[i]!);
    if (i === 0) {
      if (!leading && idx !== 0) return false;
    } else if (idx < 0) {
      return false;
    }
    subj = subj.slice(idx + parts[i]!.length);
  }
  return trailing || subj.endsWith(parts[end]!);
}

/** Go's %v of a decoded JSON value, for Vault's messages that print one (a map as `map[k:v]`, keys sorted). */
export function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (v !== null && typeof v === "object") {
    const record = v as Record<string, unknown>;
    if ("number" in record && Object.keys(record).length === 1) return goValue(record.number);
    return `map[${Object.keys(record)
      .sort()
      .map((k) => `${k}:${goValue(record[k])}`)
      .join(" ")}]`;
  }
  if (v === null || v === undefined) return "<nil>";
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "<nil>";
}

const usage = (message: string): SecretsError => new SecretsError("usage", message);

/**
 * claims.go validateBoundClaims; kind `usage` with Vault's message (the caller prefixes
 * `error validating claims: `).
 */
export function validateBoundClaims(claims: Claims, type: "string" | "glob", bound: Readonly<Record<string, unknown>>): void {
  for (const [claim, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, claim);
    if (missing(actual)) throw usage(`claim ${JSON.stringify(claim)} is missing`);
    const actVals = normalizeList(actual);
    if (!actVals) throw usage(`received claim is not a string, bool, int or list: ${goValue(actual)}`);
    const expVals = normalizeList(expected);
    if (!expVals) throw usage(`bound claim is not a string, bool, int or list: ${goValue(expected)}`);
    const found = expVals.some((e) =>
      actVals.some((a) => {
        if (type === "glob") return typeof e === "string" && typeof a === "string" && glob(e, a);
        const ce = comparable(e, "bound");
        return ce !== undefined && ce === comparable(a, "claim");
      }),
    );
    if (!found) throw usage(`claim ${JSON.stringify(claim)} does not match any associated bound claim values`);
  }
}

/** claims.go extractMetadata: claim → metadata key, for string claims; `error converting claim '<c>' to string`. */
export function extractMetadata(claims: Claims, mappings: Readonly<Record<string, string>>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const v = getClaim(claims, source);
    if (missing(v)) continue;
    if (typeof v !== "string") throw usage(`error converting claim '${source}' to string`);
    metadata[target] = v;
  }
  return metadata;
}

/**
 * path_login.go createIdentity's alias name: the user claim (read directly, or as a JSON pointer
 * when `user_claim_json_pointer`), which must be a string.
 */
export function userClaimValue(claims: Claims, userClaim: string, jsonPointer: boolean): string {
  const raw = jsonPointer ? getClaim(claims, userClaim) : Object.hasOwn(claims, userClaim) ? claims[userClaim] : undefined;
  if (raw === undefined || raw === null) throw usage(`claim ${JSON.stringify(userClaim)} not found in token`);
  if (typeof raw !== "string") throw usage(`claim ${JSON.stringify(userClaim)} could not be converted to string`);
  return raw;
}

/**
 * The groups claim, checked as path_login.go fetchGroups/createIdentity check it (this server has
 * no identity store, so the groups are not used, but a role that names a groups claim still
 * requires it as Vault does).
 */
export function checkGroupsClaim(claims: Claims, groupsClaim: string): void {
  if (groupsClaim === "") return;
  const raw = getClaim(claims, groupsClaim);
  if (missing(raw)) throw usage(`failed to fetch groups: ${JSON.stringify(groupsClaim)} claim not found in token`);
  const groups = normalizeList(raw);
  if (!groups) throw usage(`${JSON.stringify(groupsClaim)} claim could not be converted to string list`);
  for (const g of groups) if (typeof g !== "string") throw usage(`value ${goValue(g)} in groups claim could not be parsed as string`);
}
