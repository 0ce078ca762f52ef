/**
 * Vault's ACL capabilities (vault/policy.go: the `*Capability` constants and `cap2Int`).
 *
 * A capability set is kept as a bitmap, as Vault keeps it, because merging rules is then a union of
 * bits and the answer of `sys/capabilities-self` is a fixed order over those bits.
 */

/** The capabilities a policy may grant, in Vault's spelling. */
export const CAPABILITIES = ["deny", "create", "read", "update", "delete", "list", "sudo", "patch"] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What `sys/capabilities-self` answers: a policy capability, or `root` for the root policy. */
export type ReportedCapability = Capability | "root";

/** One bit per capability, in vault/policy.go's order (`DenyCapabilityInt = 1 << iota`, ...). */
export const CapabilityBit: Readonly<Record<Capability, number>> = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
};

export function isCapability(value: string): value is Capability {
  return (CAPABILITIES as readonly string[]).includes(value);
}

/**
 * The legacy `policy = "…"` shorthand of a path rule and the capabilities Vault maps it to
 * (vault/policy.go parsePaths: OldDenyPathPolicy … OldSudoPathPolicy).
 */
export const LEGACY_POLICIES: Readonly<Record<string, readonly Capability[]>> = {
  deny: ["deny"],
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

export function bitmapOf(capabilities: readonly Capability[]): number {
  let bits = 0;
  for (const c of capabilities) bits |= CapabilityBit[c];
  return bits;
}

/**
 * The order in which vault/acl.go Capabilities lists a bitmap: sudo, read, list, update, delete,
 * create, patch. An explicit deny, or no bit at all, is reported as `["deny"]`.
 */
const REPORT_ORDER: readonly Capability[] = ["sudo", "read", "list", "update", "delete", "create", "patch"];

export function reportCapabilities(bits: number): Capability[] {
  if ((bits & CapabilityBit.deny) !== 0) return ["deny"];
  const out = REPORT_ORDER.filter((c) => (bits & CapabilityBit[c]) !== 0);
  return out.length === 0 ? ["deny"] : out;
}
