/**
 * The routes of the system backend behind a token (sys-mount.ts), in the order they are tried.
 * Each concept's routes live in a file of their own, made from the server's parts
 * ({@link SysDeps}); this file only puts them together.
 */
import type { AuditDevice } from "../../audit-log/index.js";
import type { TokenAuthority, TokenInfo } from "../../auth/tokens/authority.js";
import type { KvWriteContext } from "../kv/write-context.js";
import type { RepositoryPolicies } from "../policies.js";
import type { RepositoryMountTable } from "../config/mount-table.js";
import type { LeaseManager } from "../../leases/manager.js";
import { auditRoutes } from "./sys-audit.js";
import { leaseRoutes } from "./sys-leases.js";
import { capabilitiesRoutes } from "./sys-capabilities.js";
import type { DeclaredMount } from "../config/mount-table.js";
import { authRoutes } from "./sys-auth.js";
import type { SysRoute } from "./sys-mount.js";
import { policyRoutes } from "./sys-policy.js";
import { mountsRoutes } from "./sys-mounts.js";
import { uiMountsRoutes } from "./sys-ui-mounts.js";
import type { SysState } from "./sys.js";

/** What the system routes may use of the server. */
export interface SysDeps {
  readonly state: SysState;
  readonly policies: RepositoryPolicies;
  /** The server's mounts (a function: the table holds the system mount itself). */
  readonly mounts: () => RepositoryMountTable;
  readonly audit: AuditDevice | null;
  /** The audit device's options as `sys/audit` lists them (`{file_path}`); empty without one. */
  readonly auditOptions: Readonly<Record<string, string>>;
  /** The repository's one write context (configuration written through the API is committed there). */
  readonly writes: KvWriteContext;
  /** Every token the server resolves (`sys/capabilities` looks one up). */
  readonly tokens: TokenAuthority;
  /** Revokes the tokens an auth method's logins issued (`DELETE sys/auth/<path>`). */
  readonly loginTokens: { revokeIssuedUnder(mountPoint: string, now: number): Promise<number> };
  /** A live token by its accessor (`sys/capabilities-accessor`); undefined: that route is not offered. */
  readonly tokenByAccessor?: ((accessor: string, now: number) => Promise<TokenInfo | null>) | undefined;
  /** The mounts the repository declares now (`.secrets/mounts.yaml`). */
  readonly declared: () => Promise<readonly DeclaredMount[]>;
  /** The auth method types the server can mount. */
  readonly authTypes: readonly string[];
  /** The secrets engine types the server can build (`kv`). */
  readonly engineTypes: readonly string[];
  /** The server's leases (`sys/leases/*`): the one manager the dynamic engines' mounts issue through. */
  readonly leases: LeaseManager;
}

export function sysRoutes(deps: SysDeps): SysRoute[] {
  return [...policyRoutes(deps), ...capabilitiesRoutes(deps), ...auditRoutes(deps), ...authRoutes(deps), ...mountsRoutes(deps), ...uiMountsRoutes(deps), ...leaseRoutes(deps)];
}
