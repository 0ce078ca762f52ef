/**
 * The routes of the system backend behind a token (sys-mount.ts), in the order they are tried.
 * Each concept's routes live in a file of their own, made from the server's parts
 * ({@link SysDeps}); this file only puts them together.
 */
import type { AuditDevice } from "../../audit-log/index.js";
import type { RepositoryPolicies } from "../policies.js";
import type { MountTable } from "./mount.js";
import type { SysRoute } from "./sys-mount.js";
import type { SysState } from "./sys.js";

/** What the system routes may use of the server. */
export interface SysDeps {
  readonly state: SysState;
  readonly policies: RepositoryPolicies;
  /** The server's mounts (a function: the table holds the system mount itself). */
  readonly mounts: () => MountTable;
  readonly audit: AuditDevice | null;
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the first routes that use it are being written
export function sysRoutes(deps: SysDeps): SysRoute[] {
  return [];
}
