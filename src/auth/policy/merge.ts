/**
 * Merging two policies' rules for the same path and kind (vault/acl.go NewACL): a deny on either
 * side leaves deny alone; otherwise capabilities are unioned, the smaller of two set wrapping TTLs
 * is kept, allowed and denied parameter values are concatenated (an empty list, meaning any value,
 * wins over a list), and required parameters are unioned.
 */
import { CapabilityBit } from "./capabilities.js";
import type { Permissions } from "./policy.js";

export function mergePermissions(existing: Permissions, added: Permissions): Permissions {
  if ((existing.bits & CapabilityBit.deny) !== 0) return existing;
  if ((added.bits & CapabilityBit.deny) !== 0) {
    // Vault keeps the existing TTLs and required parameters here (it jumps past their merge).
    return { ...existing, bits: CapabilityBit.deny, allowedParameters: undefined, deniedParameters: undefined };
  }
  return {
    bits: existing.bits | added.bits,
    minWrappingTtl: smallerSet(existing.minWrappingTtl, added.minWrappingTtl),
    maxWrappingTtl: smallerSet(existing.maxWrappingTtl, added.maxWrappingTtl),
    allowedParameters: mergeParameters(existing.allowedParameters, added.allowedParameters),
    deniedParameters: mergeParameters(existing.deniedParameters, added.deniedParameters),
    requiredParameters: [...existing.requiredParameters, ...added.requiredParameters.filter((p) => !existing.requiredParameters.includes(p))],
  };
}

function smallerSet(existing: number, added: number): number {
  return added > 0 && (existing === 0 || added < existing) ? added : existing;
}

type ParameterMap = Readonly<Record<string, readonly unknown[]>>;

function mergeParameters(existing: ParameterMap | undefined, added: ParameterMap | undefined): ParameterMap | undefined {
  if (added === undefined || Object.keys(added).length === 0) return existing;
  if (existing === undefined) return added;
  const out: Record<string, readonly unknown[]> = { ...existing };
  for (const [key, values] of Object.entries(added)) {
    const before = Object.hasOwn(existing, key) ? existing[key] : undefined;
    out[key] = values.length === 0 || before?.length === 0 ? [] : [...values, ...(before ?? [])];
  }
  return out;
}
