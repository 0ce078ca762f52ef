/**
 * The names the AWS engine makes, as Vault's default username template makes them
 * (builtin/logical/aws, defaultUserNameTemplate):
 *
 * - an AssumeRole session: `vault-<display>-<role>-<unix time>-<20 base62>`, the display and role
 *   part cut to 42 characters, the whole to 64 (STS's limit), display name and role normalized as
 *   Vault's normalizeDisplayName (anything but `[a-zA-Z0-9+=,.@_-]` becomes `_`); a session name the
 *   request gives is normalized the same way and cut to 64;
 * - a federated user (GetFederationToken's Name): `vault-<unix time>-<20 base62>` cut to 32.
 *
 * And the lease's credential id (the lease id's last segment): `<issue>-<expiry>-<12 base62>`, Unix
 * seconds, so the id alone tells when the credentials stop working, with no record (STS cannot be
 * asked about a credential) and no part of the key.
 */
import { randomChars } from "../password.js";

const BASE62 = Array.from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

export function normalizeDisplayName(name: string): string {
  return name.replace(/[^a-zA-Z0-9+=,.@_-]/g, "_");
}

function random(n: number): string {
  return randomChars(BASE62, n).join("");
}

/** Vault's AssumeRole session name, or the request's own, normalized. */
export function sessionName(displayName: string, role: string, now: number, requested: string): string {
  if (requested !== "") return normalizeDisplayName(requested).slice(0, 64);
  const middle = `${normalizeDisplayName(displayName)}-${normalizeDisplayName(role)}`.slice(0, 42);
  return `vault-${middle}-${now}-${random(20)}`.slice(0, 64);
}

/** Vault's GetFederationToken Name (STS allows 2 to 32 characters). */
export function federatedUserName(now: number): string {
  return `vault-${now}-${random(20)}`.slice(0, 32);
}

export function credentialId(issueTime: number, expireTime: number): string {
  return `${issueTime}-${expireTime}-${random(12)}`;
}

/** The issue and expiry times a credential id names; null when it is not one of ours. */
export function timesOf(id: string): { issueTime: number; expireTime: number } | null {
  const m = /^(\d{1,12})-(\d{1,12})-[0-9A-Za-z]{12}$/.exec(id);
  return m ? { issueTime: Number(m[1]), expireTime: Number(m[2]) } : null;
}
