/**
 * The routes of the system backend behind a token (sys-mount.ts), in the order they are tried.
 * Each concept's routes live in a file of their own, made from the server's parts
 * ({@link SysDeps}); this file only puts them together.
 */
import type { AuditDevice } from "../../audit-log/index.js";
import type { TokenAuthority } from "../../auth/tokens/authority.js";
import type { RepositoryMountTable } from "../config/mount-table.js";
import type { KvWriteContext } from "../kv/write-context.js";
import type { RepositoryPolicies } from "../policies.js";
import type { SysRoute } from "./sys-mount.js";
import { mountsRoutes } from "./sys-mounts.js";
import type { SysState } from "./sys.js";
import { uiMountsRoutes } from "./sys-ui-mounts.js";

/** What the system routes may use of the server. */
export interface SysDeps {
  readonly state: SysState;
  readonly policies: RepositoryPolicies;
  /** The server's mounts (a function: the table holds the system mount itself). */
  readonly mounts: () => RepositoryMountTable;
  readonly audit: AuditDevice | null;
  /** Who a token is, for the routes that answer without the pipeline's token check (`internal/ui/mounts`). */
  readonly tokens: TokenAuthority;
  /** The repository's one write context: configuration written through the API is committed through it. */
  readonly writes: KvWriteContext;
  /** The secrets engine types the server can build (`kv`). */
  readonly engineTypes: readonly string[];
}

export function sysRoutes(deps: SysDeps): SysRoute[] {
  return [...mountsRoutes(deps), ...uiMountsRoutes(deps)];
}
