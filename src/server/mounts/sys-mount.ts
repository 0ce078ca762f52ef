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

export const SYSTEM_MOUNT_TYPE = "system";

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
