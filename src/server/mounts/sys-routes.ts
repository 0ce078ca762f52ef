/**
 * The routes of the system backend behind a token (sys-mount.ts), in the order they are tried.
 * Each concept's routes live in a file of their own, made from the server's parts
 * ({@link SysDeps}); this file only puts them together.
 */
import type { AuditDevice } from "../../audit-log/index.js";
import type { DeclaredMount } from "../config/mount-table.js";
import type { KvWriteContext } from "../kv/write-context.js";
import type { RepositoryPolicies } from "../policies.js";
import type { MountTable } from "./mount.js";
import { authRoutes } from "./sys-auth.js";
import type { SysRoute } from "./sys-mount.js";
import type { SysState } from "./sys.js";

/** What the system routes may use of the server. */
export interface SysDeps {
  readonly state: SysState;
  readonly policies: RepositoryPolicies;
  /** The server's mounts (a function: the table holds the system mount itself). */
  readonly mounts: () => MountTable;
  readonly audit: AuditDevice | null;
  /** The server's one write context: configuration written through the API is a commit (commit-config.ts). */
  readonly writes: KvWriteContext;
  /** The mounts the repository declares now (`.secrets/mounts.yaml`). */
  readonly declared: () => Promise<readonly DeclaredMount[]>;
  /** The auth method types the server can mount. */
  readonly authTypes: readonly string[];
}

export function sysRoutes(deps: SysDeps): SysRoute[] {
  return [...authRoutes({ writes: deps.writes, declared: deps.declared, authTypes: deps.authTypes })];
}
