/**
 * Which names a role lets a certificate carry: Vault's validateNames (builtin/logical/pki
 * cert_util.go), for the common name and every DNS subject alternative name. The first name the
 * role refuses is returned, for Vault's `common name %s not allowed by this role` /
 * `subject alternate name %s not allowed by this role`.
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import type { PkiRole } from "./role.js";

/** Vault's hostnameRegex (sdk/helper/certutil). */
const HOSTNAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])\.?$/;
/** Vault's leftWildLabelRegex: the wildcard label `*`, `foo*`, `*bar` or `foo*bar`. */
const LEFT_WILD_LABEL = /^(\*|[a-zA-Z0-9]+\*|\*[a-zA-Z0-9]+|[a-zA-Z0-9]+\*[a-zA-Z0-9]+)$/;

/** A domain glob as Go's ryanuber/go-glob matches it: `*` is any run of characters, including dots. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(name);
}

const eqFold = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The first of `names` the role refuses, or null when it allows them all. */
export function refusedName(role: PkiRole, names: readonly string[]): string | null {
  for (const name of names) if (!allowed(role, name)) return name;
  return null;
}

function allowed(role: PkiRole, name: string): boolean {
  let reduced = name;
  let emailDomain = name;
  let isEmail = false;
  let isWildcard = false;
  let wildcardLabel = "";
  if (reduced.includes("@")) {
    const parts = reduced.split("@");
    if (parts.length !== 2) return false;
    reduced = parts[1]!;
    emailDomain = parts[1]!;
    isEmail = true;
  }
  if (reduced.includes("*")) {
    isWildcard = true;
    if (!role.allowWildcardCertificates) return false;
    // validateWildcardDomain: the wildcard is in the leftmost label, which is not the whole name.
    const dot = reduced.indexOf(".");
    if (dot <= 0) return false;
    wildcardLabel = reduced.slice(0, dot);
    reduced = reduced.slice(dot + 1);
    if (reduced.includes("*") || reduced === "") return false;
  }
  if (isEmail && isWildcard) return false;
  if (role.enforceHostnames) {
    // idna.ToASCII with strict domain names, then the pattern (an IDN passes in its A-label form).
    if (reduced !== "" && !HOSTNAME.test(domainToASCII(reduced))) return false;
    if (isWildcard && !LEFT_WILD_LABEL.test(wildcardLabel)) return false;
  }
  if (role.allowAnyName) return true;
  if (role.allowLocalhost) {
    if (reduced === "localhost" || reduced === "localdomain" || (isEmail && (emailDomain === "localhost" || emailDomain === "localdomain"))) return true;
    if (role.allowSubdomains) {
      if (reduced.endsWith(".localhost") || (isWildcard && reduced === "localhost")) return true;
      if (reduced.endsWith(".localdomain") || (isWildcard && reduced === "localdomain")) return true;
    }
  }
  for (const domain of role.allowedDomains) {
    if (domain === "") continue;
    if (role.allowBareDomains && (eqFold(name, domain) || (isEmail && eqFold(emailDomain, domain)))) return true;
    if (role.allowSubdomains && (reduced.endsWith(`.${domain}`) || (isWildcard && eqFold(reduced, domain)))) return true;
    if (role.allowGlobDomains && domain.includes("*") && globMatch(domain, name)) return true;
  }
  return false;
}

/** Whether `value` is an IP address (Vault's net.ParseIP check on `ip_sans`). */
export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}
