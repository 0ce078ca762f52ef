/**
 * Which secret a request in the audit log is about: the "secret path" of `secrets audit --access`.
 *
 * A request to a KV mount (`mount_type` `kv`, as Vault and this server write it for version 1 and
 * version 2 mounts alike) names a secret. In version 2 the path below the mount starts with the
 * endpoint (vault-plugin-secrets-kv backend.go): `data/`, `metadata/`, `delete/`, `undelete/`,
 * `destroy/` or `subkeys/`, and the secret is what follows, written after the mount as `vault kv
 * get secret/app` takes it: `secret/data/app`, `secret/metadata/app` and `secret/destroy/app` are
 * all about `secret/app`, which the server serves from `secrets/app.<ext>`. A list names a folder
 * (`secret/metadata/team/` → `secret/team/`). In version 1 the path below the mount is the secret.
 *
 * The log does not say a mount's version, so a path below a KV mount whose first segment is one of
 * version 2's endpoints is read as version 2: in a version 1 mount, a secret under `data/` (say)
 * reads as the secret below it. `config` (the mount's settings) is no secret.
 */

/** KV version 2's endpoints that take a secret path (backend.go `paths`). */
const KV2_ENDPOINTS = new Set(["data", "metadata", "delete", "undelete", "destroy", "subkeys"]);

/** The `mount_type` Vault writes for a KV mount of either version (and this server for `secret/`). */
const KV = "kv";

export interface RequestLocation {
  /** The request path, no leading slash. */
  path: string;
  mountPoint: string | undefined;
  mountType: string | undefined;
}

/** The secret path the request is about (`secret/app`, or `secret/team/` for a folder), or undefined when it names none. */
export function secretPathOf(r: RequestLocation): string | undefined {
  const mount = r.mountPoint;
  if (r.mountType !== KV || mount === undefined || mount === "" || !r.path.startsWith(mount)) return undefined;
  const rest = r.path.slice(mount.length);
  if (rest === "" || rest === "config") return undefined;
  const slash = rest.indexOf("/");
  if (slash === -1) return KV2_ENDPOINTS.has(rest) ? mount : mount + rest;
  return KV2_ENDPOINTS.has(rest.slice(0, slash)) ? mount + rest.slice(slash + 1) : mount + rest;
}
