/**
 * The lease endpoints of the system backend, thin layers over the server's LeaseManager, answered
 * as OpenBao's internal/vault/logical_system.go does (handleLeaseLookup, handleRenew,
 * handleRevoke, handleRevokePrefixCommon; patterns from logical_system_paths.go):
 *
 * - `leases/lookup` PUT/POST `{lease_id}`: data `{expire_time, id, issue_time, last_renewal, path,
 *   renewable, ttl}` (+ `revoke_error`), times as Go writes a time.Time (RFC 3339, UTC here), `null`
 *   when zero; 400 `lease_id must be specified`, 400 `invalid lease`.
 * - `leases/renew[/:lease_id]` (and the legacy `renew[/:lease_id]`) PUT/POST `{lease_id, increment}`:
 *   `increment` a TypeDurationSecond (`null`, as hvac sends it, is 0: the role's default); the
 *   envelope with `lease_id`, `renewable`, `lease_duration` and `data: null`; the manager's errors
 *   as 400 with their text (handleError: ErrorResponse(err.Error()), ErrInvalidRequest).
 * - `leases/revoke[/:lease_id]` (and `revoke[/:lease_id]`) `{lease_id, sync}`: 204; `sync: false`
 *   answers 202 with no body, as Vault's RespondWithStatusCode(nil, nil, 202) — but the revocation
 *   has then already happened (there is no background queue here).
 * - `leases/revoke-prefix/:prefix`, `revoke-prefix/:prefix` (node-vault's `revokePrefix`): every
 *   recorded lease under the prefix, 204 (202 with `sync: false`); `leases/revoke-force/:prefix`,
 *   `revoke-force/:prefix`: one attempt each, records dropped whatever happens, 204. These four are
 *   root paths (SYS_ROOT_PATHS): the handler's ACL step asks for `sudo`.
 *
 * - `leases/lookup/:prefix` LIST (handleLeaseLookupList): the recorded leases' path segments just
 *   below the prefix, as Vault's storage List (`creds/`, then the roles `app/`, then the credential
 *   ids), `{"data":{"keys":[…]}}`; 404 `{"errors":[]}` when there are none, as every empty LIST. A
 *   root path (sudo), as Vault's `leases/lookup/*`.
 * - `leases/tidy` PUT/POST (handleTidyLeases): starts the manager's tidy in the background and
 *   answers 202 with Vault's warning at once; the outcome goes where the server's reaper reports.
 *
 * An unknown lease revokes successfully (Vault's Revoke of a missing lease is a no-op); a lease id
 * that is not of our shape does too on revoke, and is `invalid lease` on lookup.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { isSecretsError, SecretsError } from "../../errors.js";
import type { LeaseInfo, LeaseManager } from "../../leases/manager.js";
import { envelope } from "../envelope.js";
import { bodyFields, field, FrameworkString } from "../framework-fields.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface LeaseRouteDeps {
  readonly leases: LeaseManager;
}

/** handleTidyLeases' warning. */
export const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

/** The distinct segments just below `prefix` ("" or ending in `/`) of the ids, a folder's with its `/`, sorted: Vault's storage List. */
export function childKeys(ids: readonly string[], prefix: string): string[] {
  const keys = new Set<string>();
  for (const id of ids) {
    if (!id.startsWith(prefix)) continue;
    const rest = id.slice(prefix.length);
    const slash = rest.indexOf("/");
    keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  keys.delete("");
  return [...keys].sort();
}

const LEASE_ID_REQUIRED = "lease_id must be specified";

/** framework.TypeBool as mapstructure decodes it weakly (true/false, "true"/"1", numbers). */
const FrameworkBool = z.union([
  z.boolean(),
  z.null().transform(() => false),
  z.number().transform((n) => n !== 0),
  z.string().transform((s, ctx) => {
    const v = s.toLowerCase();
    if (["1", "t", "true"].includes(v)) return true;
    if (["0", "f", "false", ""].includes(v)) return false;
    ctx.addIssue({ code: "custom", message: "expected a boolean" });
    return z.NEVER;
  }),
]);

/** framework.TypeDurationSecond; null and absent are 0. */
const FrameworkDurationSecond = z.unknown().transform((v, ctx): number => {
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return Math.trunc(parsed.seconds);
});

const NO_CONTENT: Reply = { status: 204 };
const ACCEPTED: Reply = { status: 202 };

function writeOnly(req: LogicalRequest): boolean {
  return req.operation === "update" || req.operation === "create";
}

/** A Unix time as Go's encoding/json writes a time.Time in UTC: RFC 3339, fractional seconds only when non-zero. */
export function goTime(seconds: number | null): string | null {
  if (seconds === null) return null;
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function lookupData(info: LeaseInfo): Record<string, unknown> {
  return {
    id: info.id,
    issue_time: goTime(info.issue_time),
    expire_time: goTime(info.expire_time),
    last_renewal: goTime(info.last_renewal),
    ttl: info.expire_time === null ? 0 : info.ttl,
    path: info.path,
    renewable: info.renewable,
    ...(info.revoke_error ? { revoke_error: info.revoke_error } : {}),
  };
}

/** The lease id from the body, else from the path (`url_lease_id`). */
function leaseIdOf(req: LogicalRequest, fromUrl: string | undefined): string {
  const fields = bodyFields(req.body);
  return field(fields, "lease_id", FrameworkString, "") || fromUrl || "";
}

export function leaseRoutes(deps: LeaseRouteDeps): SysRoute[] {
  const { leases } = deps;
  const onlyWrite = (run: (req: LogicalRequest, m: RegExpExecArray) => Promise<Reply>) => (req: LogicalRequest, m: RegExpExecArray) =>
    writeOnly(req) ? requestErrorsAsResponses(() => run(req, m)) : Promise.resolve(errorReply(405, multiError(UNSUPPORTED_OPERATION)));

  const lookup: SysRoute = {
    pattern: /^leases\/lookup$/,
    handle: onlyWrite(async (req) => {
      const leaseId = leaseIdOf(req, undefined);
      if (leaseId === "") return errorReply(400, LEASE_ID_REQUIRED);
      let info: LeaseInfo;
      try {
        info = await leases.lookup(leaseId, req.now);
      } catch (e) {
        // Not of our shape, or no engine at its mount: Vault knows no such lease either.
        if (isSecretsError(e) && e.kind === "usage") return errorReply(400, "invalid lease");
        throw e;
      }
      const data = lookupData(info);
      return { status: 200, body: envelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
    }),
  };

  const renew = (pattern: RegExp): SysRoute => ({
    pattern,
    handle: onlyWrite(async (req, m) => {
      const leaseId = leaseIdOf(req, m[1]);
      if (leaseId === "") return errorReply(400, LEASE_ID_REQUIRED);
      const increment = field(bodyFields(req.body), "increment", FrameworkDurationSecond, 0);
      if (increment < 0) throw new SecretsError("usage", "cannot provide a negative value");
      const renewed = await leases.renew(leaseId, increment, req.now);
      const warnings = renewed.warnings.length ? renewed.warnings : null;
      const body = { ...envelope(req.id, SYSTEM_MOUNT_TYPE, null, warnings), lease_id: renewed.lease_id, renewable: renewed.renewable, lease_duration: renewed.lease_duration };
      return { status: 200, body: envelopeJson(body), ...(warnings ? { warnings } : {}) };
    }),
  });

  const revoke = (pattern: RegExp): SysRoute => ({
    pattern,
    handle: onlyWrite(async (req, m) => {
      const leaseId = leaseIdOf(req, m[1]);
      if (leaseId === "") return errorReply(400, LEASE_ID_REQUIRED);
      const sync = field(bodyFields(req.body), "sync", FrameworkBool, true);
      try {
        await leases.revoke(leaseId, { now: req.now });
      } catch (e) {
        // A lease id of another shape names nothing we issued: revoking it is a no-op, as Vault's.
        if (!(isSecretsError(e) && e.kind === "usage" && /^invalid lease ID|^no dynamic secrets engine/.test(e.message))) throw e;
      }
      return sync ? NO_CONTENT : ACCEPTED;
    }),
  });

  const revokePrefix = (pattern: RegExp, force: boolean): SysRoute => ({
    pattern,
    handle: onlyWrite(async (req, m) => {
      const prefix = m[1]!;
      const sync = force || field(bodyFields(req.body), "sync", FrameworkBool, true);
      const listed = await leases.list({ prefix, now: req.now });
      const failures: string[] = [];
      for (const lease of listed) {
        try {
          await leases.revoke(lease.id, { force, now: req.now });
        } catch (e) {
          if (!isSecretsError(e)) throw e;
          failures.push(e.message);
        }
      }
      // expiration.go RevokePrefix stops at the first failure with `failed to revoke "<id>": …`; here every lease is tried.
      if (failures.length) throw new SecretsError("engine-unavailable", failures.join("; "));
      return sync ? NO_CONTENT : ACCEPTED;
    }),
  });

  const lookupList: SysRoute = {
    pattern: /^leases\/lookup\/(.*)$/,
    handle: (req, m) =>
      requestErrorsAsResponses(async () => {
        if (req.operation !== "list") return errorReply(405, multiError(UNSUPPORTED_OPERATION));
        const given = m[1] ?? "";
        const prefix = given === "" || given.endsWith("/") ? given : `${given}/`;
        const listed = await leases.list({ prefix, now: req.now });
        const keys = childKeys(listed.map((l) => l.id), prefix);
        if (keys.length === 0) return errorReply(404);
        const data = { keys };
        return { status: 200, body: envelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data };
      }),
  };

  const tidy: SysRoute = {
    pattern: /^leases\/tidy$/,
    handle: onlyWrite((req) => {
      // In the background, as Vault's: the caller is answered at once.
      void leases.tidy(req.now).catch(() => undefined);
      const warnings = [TIDY_STARTED];
      return Promise.resolve({ status: 202, body: envelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, null, warnings) }), warnings });
    }),
  };

  return [
    lookupList,
    tidy,
    lookup,
    renew(/^leases\/renew(?:\/(.+))?$/),
    renew(/^renew(?:\/(.+))?$/),
    revokePrefix(/^leases\/revoke-prefix\/(.+)$/, false),
    revokePrefix(/^revoke-prefix\/(.+)$/, false),
    revokePrefix(/^leases\/revoke-force\/(.+)$/, true),
    revokePrefix(/^revoke-force\/(.+)$/, true),
    revoke(/^leases\/revoke(?:\/(.+))?$/),
    revoke(/^revoke(?:\/(.+))?$/),
  ];
}
