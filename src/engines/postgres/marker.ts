/**
 * The mark this engine leaves on every login role it creates: a comment on the role (COMMENT ON
 * ROLE, kept in `pg_shdescription`) holding the lease id and the connection's name:
 *
 *     gitops-secrets {"lease_id":"database/creds/app/v-root-app-…-1718000000","db_name":"prod"}
 *
 * The reaper drops only expired roles that carry it and whose name is one this engine makes, so it
 * never touches a role made by hand or by a Vault sharing the database (whose names also start
 * with `v-`). With every lease record lost, the mark still says which lease, role and connection a
 * database role belongs to. It holds no secret: role comments are readable by every database user.
 */

const PREFIX = "gitops-secrets ";

export interface RoleMarker {
  lease_id: string;
  db_name: string;
}

export function markerText(marker: RoleMarker): string {
  return PREFIX + JSON.stringify({ lease_id: marker.lease_id, db_name: marker.db_name });
}

/** The marker in a role's comment, or null when the comment is not ours. */
export function parseMarker(comment: string | null | undefined): RoleMarker | null {
  if (typeof comment !== "string" || !comment.startsWith(PREFIX)) return null;
  try {
    const v = JSON.parse(comment.slice(PREFIX.length)) as unknown;
    if (typeof v !== "object" || v === null) return null;
    const { lease_id, db_name } = v as Record<string, unknown>;
    return typeof lease_id === "string" && typeof db_name === "string" ? { lease_id, db_name } : null;
  } catch {
    return null;
  }
}
