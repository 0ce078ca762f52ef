/**
 * Lease ids as Vault shapes them: the request path joined with the lease's own id
 * (internal/vault/expiration.go Register: `path.Join(req.Path, leaseRand)`), so a credential of
 * role `app` on the engine mounted at `database/` is `database/creds/app/<id>`.
 *
 * Vault's `<id>` is 24 random base62 characters and means nothing without Vault's storage. Here
 * the last segment is the engine's own name for the credential (for PostgreSQL, the login role's
 * name, which holds 20 random characters and the issue time), so the id alone names the engine
 * (the mount), the role and the credential: a lease can be renewed or revoked with no record of it.
 */
import { SecretsError } from "../errors.js";

/** A role name as Vault's framework.GenericNameRegex accepts it: `\w(([\w-.]+)?\w)?` (Go's `\w` is ASCII). */
export const ROLE_NAME_PATTERN = /^\w(?:[\w.-]*\w)?$/;

/** A mount point without its trailing slash: segments of letters, digits, `_`, `-`, `.` (not `.`/`..`), at most 8. */
const MOUNT_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*){0,7}$/;

/** A credential id: what an engine calls the credential (a PostgreSQL role name: at most 63 bytes). */
const CREDENTIAL_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** The endpoint segment between the mount and the role (`database/creds/<role>`). */
export const CREDS_SEGMENT = "creds";

export interface LeaseIdParts {
  /** The engine's mount point, without its trailing slash (`database`). */
  mount: string;
  role: string;
  /** The credential's name at the engine (the PostgreSQL role's name). */
  credentialId: string;
}

function validMount(mount: string): boolean {
  return MOUNT_PATTERN.test(mount) && !mount.split("/").some((s) => s === "." || s === "..");
}

/** `<mount>/creds/<role>/<credential>`. Kind `usage` when a part is not what the id may hold. */
export function formatLeaseId(parts: LeaseIdParts): string {
  if (!validMount(parts.mount) || !ROLE_NAME_PATTERN.test(parts.role) || !CREDENTIAL_PATTERN.test(parts.credentialId)) {
    throw new SecretsError("usage", "a lease id is <mount>/creds/<role>/<credential>, of letters, digits, '_', '-' and '.'");
  }
  return `${parts.mount}/${CREDS_SEGMENT}/${parts.role}/${parts.credentialId}`;
}

/**
 * The parts of a lease id, read from its end (a mount may have several segments). Kind `usage`,
 * with Vault's `invalid lease ID` text, when it is not one of ours; the id is not quoted back.
 */
export function parseLeaseId(leaseId: string): LeaseIdParts {
  const segs = leaseId.split("/");
  const credentialId = segs.pop();
  const role = segs.pop();
  const creds = segs.pop();
  const mount = segs.join("/");
  if (credentialId === undefined || role === undefined || creds !== CREDS_SEGMENT || !validMount(mount) || !ROLE_NAME_PATTERN.test(role) || !CREDENTIAL_PATTERN.test(credentialId)) {
    throw new SecretsError("usage", "invalid lease ID (expected <mount>/creds/<role>/<credential>)");
  }
  return { mount, role, credentialId };
}

/**
 * A credentials path, `<mount>/creds/<role>` as Vault names it, or the short `<mount>/<role>` the CLI
 * also takes (`secrets creds database/app`). Kind `usage` otherwise.
 */
export function parseCredsPath(path: string): { mount: string; role: string } {
  const segs = path.replace(/^\/+|\/+$/g, "").split("/");
  const role = segs.pop();
  if (segs[segs.length - 1] === CREDS_SEGMENT && segs.length > 1) segs.pop();
  const mount = segs.join("/");
  if (role === undefined || !validMount(mount) || !ROLE_NAME_PATTERN.test(role)) {
    throw new SecretsError("usage", "expected <mount>/creds/<role> (or <mount>/<role>), e.g. database/creds/app");
  }
  return { mount, role };
}
