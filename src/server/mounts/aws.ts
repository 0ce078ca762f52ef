/**
 * The `aws` secrets engine as a server mount (Vault's `aws/creds/:role` and `aws/sts/:role`,
 * builtin/logical/aws path_user.go), a thin layer over the server's one LeaseManager: a GET, PUT or
 * POST issues STS credentials with the token's display name and answers Vault's envelope —
 * `lease_id` `<mount>/<creds|sts>/<role>/<id>`, `lease_duration`, `renewable: false`, `data`
 * `{access_key, secret_key, security_token, session_token, arn, ttl}`. The request's fields are
 * Vault's: `ttl` (a duration), `role_arn`, `role_session_name`, `mfa_code`, from the query of a GET
 * (Vault marks them query fields) or the body of a write. The keys go to the audit log as
 * response data, so they are HMAC'd there like every string of a response's data.
 *
 * What STS refuses is a 400 with Vault's text (`Error assuming role: …`), as Vault answers its
 * logical.ErrorResponse; an unreachable STS is a 500. The root configuration and roles are the
 * repository's files under `.secrets/engines/<mount>/` (docs/dynamic-secrets.md); `aws/config/*`
 * and `aws/roles/*` are not served (they are reviewed files, not API state): 404 `unsupported path`.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { isSecretsError, SecretsError } from "../../errors.js";
import { RepositoryAwsConfig } from "../../engines/aws/config-files.js";
import { AwsEngine } from "../../engines/aws/engine.js";
import { webIdentityTokenFromEnv } from "../../engines/aws/web-identity.js";
import { engineFolder } from "../../engines/postgres/config-files.js";
import type { LeaseManager } from "../../leases/manager.js";
import type { Workspace } from "../../workspace/workspace.js";
import { envelope } from "../envelope.js";
import { bodyFields, field, FrameworkString } from "../framework-fields.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { ServerEngines } from "./database.js";
import type { Mount } from "./mount.js";

export const AWS_MOUNT_TYPE = "aws";

/** `creds/<role>` or `sts/<role>`: Vault's role names. */
const CREDS_PATTERN = /^(creds|sts)\/(\w(?:[\w.-]*\w)?)$/;

/** framework.TypeDurationSecond: seconds or a Go duration; absent or null is 0 (the role's default). */
const FrameworkDurationSecond = z.unknown().transform((v, ctx): number => {
  if (v === null || v === "") return 0;
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return Math.trunc(parsed.seconds);
});

/** The request's fields: the query of a read, the body of a write. */
function requestFields(query: URLSearchParams, body: unknown, read: boolean): Readonly<Record<string, unknown>> {
  return read ? Object.fromEntries(query.entries()) : bodyFields(body);
}

export interface AwsMountDeps {
  readonly repoTop: string;
  /** Whose identities open the root configuration (the server's). */
  readonly workspace: Workspace;
  readonly engines: ServerEngines;
  readonly leases: LeaseManager;
  /** The server's environment: where a web identity token is found when no key is configured. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The factory of `aws` mounts (open.ts: `factories.secrets.aws`). */
export function awsFactory(deps: AwsMountDeps): (d: { point: string }) => Mount {
  return ({ point }) => {
    const name = point.slice(0, -1);
    deps.engines.ensure(
      name,
      () => new AwsEngine({ mount: name, config: new RepositoryAwsConfig({ folder: engineFolder(deps.repoTop, name), workspace: deps.workspace }), webIdentityToken: webIdentityTokenFromEnv(deps.env) }),
    );
    return awsMount(point, deps.leases);
  };
}

export function awsMount(point: string, leases: LeaseManager): Mount {
  const name = point.slice(0, -1);
  return {
    point,
    type: AWS_MOUNT_TYPE,
    handle: (req) =>
      requestErrorsAsResponses(async (): Promise<Reply> => {
        const m = CREDS_PATTERN.exec(req.path);
        if (!m) return errorReply(404, multiError(UNSUPPORTED_PATH));
        const read = req.operation === "read";
        if (!read && req.operation !== "update" && req.operation !== "create") return errorReply(405, multiError(UNSUPPORTED_OPERATION));
        if (!req.info) throw new SecretsError("permission-denied", "permission denied");
        const fields = requestFields(req.query, req.body, read);
        const ttl = field(fields, "ttl", FrameworkDurationSecond, 0);
        if (ttl < 0) throw new SecretsError("usage", "cannot provide a negative value");
        const parameters: Record<string, string> = {};
        for (const key of ["role_arn", "role_session_name", "mfa_code"]) {
          const value = field(fields, key, FrameworkString, "");
          if (value !== "") parameters[key] = value;
        }
        let issued;
        try {
          issued = await leases.issue(`${name}/${m[1]!}/${m[2]!}`, { ttl, displayName: req.info.displayName, now: req.now, parameters });
        } catch (e) {
          // What STS refused is Vault's logical.ErrorResponse: a 400 with the text.
          if (isSecretsError(e) && e.kind === "engine-failed") return errorReply(400, e.message);
          throw e;
        }
        const data: Record<string, string | number> = { ...issued.data, ttl: issued.lease_duration };
        const warnings = issued.warnings.length ? issued.warnings : null;
        const body = { ...envelope(req.id, AWS_MOUNT_TYPE, data, warnings), lease_id: issued.lease_id, renewable: issued.renewable, lease_duration: issued.lease_duration };
        return { status: 200, body: envelopeJson(body), auditData: data, ...(warnings ? { warnings } : {}) };
      }),
  };
}
