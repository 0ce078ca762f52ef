/**
 * Lease ids as Vault shapes them: the request path joined with the lease's own id
 * (internal/vault/expiration.go Register: `path.Join(req.Path, leaseRand)`), so a credential of
 * role `app` on the engine mounted at `database/` is `database/creds/app/<id>`.
 *
 * Vault's `<id>` is 24 random base62 characters and means nothing without Vault's storage. Here
 * the last segment is the engine's own name for the credential (for PostgreSQL, the login role's
 * name, which holds 20 random characters and the issue time), so the id alone names the engine
 * (the mount), the role and the credential: a lease can be renewed or revoked with no record of it.
 *
 * The segment between the mount and the role is the endpoint that issued the lease: `creds` for
 * most engines, `sts` too for the AWS engine (Vault's `aws/sts/<role>`, whose leases are
 * `aws/sts/<role>/<id>`). Parts carry `endpoint` only when it is not `creds`.
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

/** The other endpoint segments a lease may be issued through: Vault's AWS engine serves `sts/<role>` beside `creds/<role>`. */
export const ENDPOINT_SEGMENTS: readonly string[] = [CREDS_SEGMENT, "sts"];

function isEndpoint(segment: string | undefined): segment is string {
  return segment !== undefined && ENDPOINT_SEGMENTS.includes(segment);
}

export interface LeaseIdParts {
  /** The engine's mount point, without its trailing slash (`database`). */
  mount: string;
  role: string;
  /** The credential's name at the engine (the PostgreSQL role's name). */
  credentialId: string;
  /** The endpoint segment when it is not `creds` (`sts`); absent means `creds`. */
  endpoint?: string;
}

function validMount(mount: string): boolean {
  return MOUNT_PATTERN.test(mount) && !mount.split("/").some((s) => s === "." || s === "..");
}

/** `<mount>/creds/<role>/<credential>` (or `<mount>/sts/…`). Kind `usage` when a part is not what the id may hold. */
export function formatLeaseId(parts: LeaseIdParts): string {
  const endpoint = parts.endpoint ?? CREDS_SEGMENT;
  if (!validMount(parts.mount) || !isEndpoint(endpoint) || !ROLE_NAME_PATTERN.test(parts.role) || !CREDENTIAL_PATTERN.test(parts.credentialId)) {
    throw new SecretsError("usage", "a lease id is <mount>/creds/<role>/<credential>, of letters, digits, '_', '-' and '.'");
  }
  return `${parts.mount}/${endpoint}/${parts.role}/${parts.credentialId}`;
}

/** The request path a lease was issued through: `<mount>/<endpoint>/<role>`, as Vault's lookup shows it. */
export function leasePath(parts: { mount: string; role: string; endpoint?: string }): string {
  return `${parts.mount}/${parts.endpoint ?? CREDS_SEGMENT}/${parts.role}`;
}

/**
 * The parts of a lease id, read from its end (a mount may have several segments). Kind `usage`,
 * with Vault's `invalid lease ID` text, when it is not one of ours; the id is not quoted back.
 */
export function parseLeaseId(leaseId: string): LeaseIdParts {
  const segs = leaseId.split("/");
  const credentialId = segs.pop();
  const role = segs.pop();
  const endpoint = segs.pop();
  const mount = segs.join("/");
  if (credentialId === undefined || role === undefined || !isEndpoint(endpoint) || !validMount(mount) || !ROLE_NAME_PATTERN.test(role) || !CREDENTIAL_PATTERN.test(credentialId)) {
    throw new SecretsError("usage", "invalid lease ID (expected <mount>/creds/<role>/<credential>)");
  }
  return endpoint === CREDS_SEGMENT ? { mount, role, credentialId } : { mount, role, credentialId, endpoint };
}

/**
 * A credentials path, `<mount>/creds/<role>` as Vault names it (or `<mount>/sts/<role>`), or the
 * short `<mount>/<role>` the CLI also takes (`secrets creds database/app`). Kind `usage` otherwise.
 * `endpoint` is there only when it is not `creds`.
 */
export function parseCredsPath(path: string): { mount: string; role: string; endpoint?: string } {
  const segs = path.replace(/^\/+|\/+$/g, "").split("/");
  const role = segs.pop();
  let endpoint = CREDS_SEGMENT;
  const last = segs[segs.length - 1];
  if (isEndpoint(last) && segs.length > 1) {
    endpoint = last;
    segs.pop();
  }
  const mount = segs.join("/");
  if (role === undefined || !validMount(mount) || !ROLE_NAME_PATTERN.test(role)) {
    throw new SecretsError("usage", "expected <mount>/creds/<role> (or <mount>/<role>), e.g. database/creds/app");
  }
  return endpoint === CREDS_SEGMENT ? { mount, role } : { mount, role, endpoint };
}
