/**
 * The parameter constraints of a matched rule against a request's data (vault/acl.go
 * AllowOperation, valueInAllowedParameterList, valueInDeniedParameterList, valueInParameterList;
 * go-secure-stdlib strutil.GlobbedStringsMatch and parseutil.ParseCommaStringSlice).
 *
 * One Vault quirk is kept on purpose: Vault decodes request bodies with json.Number, which never
 * equals the integer or float HCL gives a policy value, so a number in a request matches no
 * listed number (only an empty list, which matches anything).
 */
import { isDeepStrictEqual } from "node:util";
import type { Permissions } from "./policy.js";

/** Whether `data` meets the rule's required, denied and allowed parameters. */
export function parametersAllowed(permissions: Permissions, data: Readonly<Record<string, unknown>>): boolean {
  for (const parameter of permissions.requiredParameters) {
    if (!Object.hasOwn(data, parameter.toLowerCase())) return false;
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return true;

  const denied = permissions.deniedParameters;
  if (denied !== undefined && Object.keys(denied).length > 0) {
    if (Object.hasOwn(denied, "*")) return false;
    for (const [parameter, value] of entries) {
      const values = lookup(denied, parameter);
      if (values !== undefined && inDeniedList(value, values)) return false;
    }
  }

  const allowed = permissions.allowedParameters;
  if (allowed === undefined) return true;
  const keys = Object.keys(allowed);
  if (keys.length === 0) return true;
  const allowedAll = Object.hasOwn(allowed, "*");
  if (keys.length === 1 && allowedAll) return true;
  for (const [parameter, value] of entries) {
    const values = lookup(allowed, parameter);
    if (values === undefined) {
      if (!allowedAll) return false;
    } else if (!inAllowedList(value, values)) {
      return false;
    }
  }
  return true;
}

function lookup(map: Readonly<Record<string, readonly unknown[]>>, parameter: string): readonly unknown[] | undefined {
  const key = parameter.toLowerCase();
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Empty list: any value. Else the whole value, or every element of a list or comma string. */
function inAllowedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const parts = elements(value);
  return parts !== undefined && parts.every((v) => inList(v, list));
}

/** Empty list: every value. Else the whole value, or any element of a list or comma string. */
function inDeniedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const parts = elements(value);
  return parts !== undefined && parts.some((v) => inList(v, list));
}

/** A list's elements; a string's comma-separated, trimmed parts (`""` has none). */
function elements(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value === "string") return value === "" ? [] : value.split(",").map((s) => s.trim());
  return undefined;
}

function inList(value: unknown, list: readonly unknown[]): boolean {
  return list.some((item) => {
    if (item === null || value === null) return item === value;
    if (typeof item === "string") return typeof value === "string" && globbedMatch(item, value);
    return !containsNumber(value) && isDeepStrictEqual(item, value);
  });
}

function containsNumber(value: unknown): boolean {
  if (typeof value === "number") return true;
  if (Array.isArray(value)) return value.some(containsNumber);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsNumber);
  return false;
}

/** strutil.GlobbedStringsMatch: a leading and/or trailing `*` in the policy value. */
export function globbedMatch(item: string, value: string): boolean {
  if (item.length < 2) return value === item;
  const leading = item.startsWith("*");
  const trailing = item.endsWith("*");
  if (leading && trailing) return value.includes(item.slice(1, -1));
  if (leading) return value.endsWith(item.slice(1));
  if (trailing) return value.startsWith(item.slice(0, -1));
  return value === item;
}
