/**
 * `sys/capabilities-self`, `sys/capabilities` and `sys/capabilities-accessor` (POST/PUT, Vault's
 * update): what a token may do on some paths, as vault/logical_system.go handleCapabilities and
 * vault/capabilities.go Capabilities answer it.
 *
 * - The paths are `paths`, else the deprecated `path` (framework.TypeCommaStringSlice: a list, or
 *   a comma-separated string); none: 400 `paths must be supplied`; an empty one: 400 `missing path`.
 * - The token: the request's own (`-self`); `token` in the body (`sys/capabilities`; none: 500
 *   `no token found`, unknown: 400 `invalid token`); the token whose accessor is `accessor`
 *   (`-accessor`; none: 400 `missing accessor`, unknown: 400 `invalid accessor`).
 * - `data` maps each path to its capabilities, sorted by name as Vault sorts them: `["root"]` for
 *   a root token, `["deny"]` where nothing (or an explicit deny) applies; with a single path,
 *   `capabilities` holds them too. The data is copied to the top level, as for every
 *   `sys/capabilities*` route (http/handler.go injectDataIntoTopRoutes).
 *
 * Errors a handler *returns* in Vault (`missing path`, `invalid token`, `invalid accessor`,
 * `no token found`) reach the client wrapped in the request's multierror; the ones it answers
 * with `logical.ErrorResponse` (`paths must be supplied`, `missing accessor`) do not.
 */
import type { Acl } from "../../auth/policy/index.js";
import type { TokenAuthority, TokenInfo } from "../../auth/tokens/authority.js";
import { envelope } from "../envelope.js";
import { bodyFields, field, FrameworkCommaStringSlice, FrameworkString } from "../framework-fields.js";
import type { RepositoryPolicies } from "../policies.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { injectedEnvelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface CapabilitiesRouteDeps {
  readonly policies: RepositoryPolicies;
  /** Every token the server knows, as the pipeline resolves them. */
  readonly tokens: TokenAuthority;
  /** The live token with this accessor, or null; undefined: `sys/capabilities-accessor` is not offered. */
  readonly tokenByAccessor?: ((accessor: string, now: number) => Promise<TokenInfo | null>) | undefined;
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));
/** An error the handler returns (not an ErrorResponse): Vault wraps it in the request's multierror. */
const returned = (status: number, message: string): Reply => errorReply(status, multiError(message));

export function capabilitiesRoutes(deps: CapabilitiesRouteDeps): SysRoute[] {
  const routes: SysRoute[] = [
    { pattern: /^capabilities-self$/, handle: (req) => updateOnly(req, () => answer(req, req.acl)) },
    {
      pattern: /^capabilities$/,
      handle: (req) =>
        updateOnly(req, async () => {
          const token = field(bodyFields(req.body), "token", FrameworkString, "");
          if (token === "") return returned(500, "no token found");
          return answer(req, null, async () => {
            const info = await deps.tokens.lookup(token, req.now);
            return info ? deps.policies.acl(info.policies) : null;
          });
        }),
    },
  ];
  const byAccessor = deps.tokenByAccessor;
  if (byAccessor) {
    routes.push({
      pattern: /^capabilities-accessor$/,
      handle: (req) =>
        updateOnly(req, async () => {
          const accessor = field(bodyFields(req.body), "accessor", FrameworkString, "");
          if (accessor === "") return errorReply(400, "missing accessor");
          const info = await byAccessor(accessor, req.now);
          if (!info) return returned(400, "invalid accessor");
          return answer(req, await deps.policies.acl(info.policies));
        }),
    });
  }
  return routes;
}

function updateOnly(req: LogicalRequest, run: () => Promise<Reply>): Promise<Reply> {
  return req.operation === "update" || req.operation === "create" ? requestErrorsAsResponses(run) : Promise.resolve(unsupported());
}

/**
 * The capabilities of `acl` (or of the ACL `resolve` finds, null: the token is unknown) on the
 * request's paths. The token is resolved after the paths are read and before any is answered, as
 * Core.Capabilities looks it up for the first path.
 */
async function answer(req: LogicalRequest, acl: Acl | null, resolve?: () => Promise<Acl | null>): Promise<Reply> {
  const fields = bodyFields(req.body);
  let paths = field(fields, "paths", FrameworkCommaStringSlice, []);
  const deprecated = field(fields, "path", FrameworkCommaStringSlice, []);
  if (paths.length === 0) paths = deprecated;
  if (paths.length === 0) return errorReply(400, "paths must be supplied");
  // A Map, then fromEntries: a path is a key of the answer, and may be spelled `__proto__`.
  const byPath = new Map<string, string[]>();
  for (const path of paths) {
    if (path === "") return returned(400, "missing path");
    if (acl === null) {
      acl = resolve ? await resolve() : null;
      if (acl === null) return returned(400, "invalid token");
    }
    byPath.set(path, [...acl.capabilities(path)].sort());
  }
  if (paths.length === 1) byPath.set("capabilities", byPath.get(paths[0]!)!);
  const data = Object.fromEntries(byPath);
  const body = { ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) };
  return { status: 200, body: injectedEnvelopeJson(body), auditData: data };
}
