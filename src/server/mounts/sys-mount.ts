/**
 * The system backend (`sys/`) behind a token, as one of the server's mounts: a table of routes,
 * each a pattern over the path below `sys/` and its handler, tried in order. `sys/health` and
 * `sys/seal-status` are not here: they answer without a token, before the pipeline
 * (handler.ts). A path no route takes answers 404 `unsupported path`, as Vault's system backend
 * does for an unknown path (logical.ErrUnsupportedPath through the router).
 */
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_PATH } from "../vault-errors.js";
import type { LogicalRequest, Mount } from "./mount.js";
import { specialPaths } from "./special-paths.js";

export const SYSTEM_MOUNT_TYPE = "system";

/**
 * The system backend's root paths (vault/logical_system.go NewSystemBackend, PathsSpecial.Root):
 * a request on one is allowed only when the rule that matches it grants `sudo`. Kept whole, as
 * Vault lists them, so that a route added later is protected as Vault protects it.
 */
export const SYS_ROOT_PATHS: readonly string[] = [
  "auth/*",
  "remount",
  "audit",
  "audit/*",
  "raw",
  "raw/*",
  "replication/primary/secondary-token",
  "replication/performance/primary/secondary-token",
  "replication/dr/primary/secondary-token",
  "replication/reindex",
  "replication/dr/reindex",
  "replication/performance/reindex",
  "rotate",
  "config/cors",
  "config/auditing/*",
  "config/ui/headers/*",
  "plugins/catalog/*",
  "revoke-prefix/*",
  "revoke-force/*",
  "leases/revoke-prefix/*",
  "leases/revoke-force/*",
  "leases/lookup/*",
  "storage/raft/snapshot-auto/config/*",
  "leases",
];

export interface SysRoute {
  /** Over the path below `sys/`, anchored; its groups are passed to `handle`. */
  readonly pattern: RegExp;
  /**
   * Answered without a token and without the ACL (the system backend's PathsSpecial.Unauthenticated,
   * e.g. `internal/ui/mounts/*`): the route gets the request's token, if any, unchecked, and decides
   * itself what it shows to whom.
   */
  readonly unauthenticated?: boolean;
  handle(req: LogicalRequest, match: RegExpExecArray): Promise<Reply>;
}

export function sysMount(routes: readonly SysRoute[]): Mount {
  return {
    point: "sys/",
    type: SYSTEM_MOUNT_TYPE,
    sudoRequired: specialPaths(SYS_ROOT_PATHS),
    // The first route that takes the path decides, as handle() does.
    unauthenticated: (path) => routes.find((r) => r.pattern.test(path))?.unauthenticated === true,
    handle(req) {
      for (const route of routes) {
        const m = route.pattern.exec(req.path);
        if (m) return route.handle(req, m);
      }
      return Promise.resolve(errorReply(404, multiError(UNSUPPORTED_PATH)));
    },
  };
}
