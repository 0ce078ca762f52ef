/**
 * The audit endpoints of the system backend (vault/logical_system.go auditPaths, handleAuditTable,
 * handleAuditHash; OpenBao's handleEnableAudit and handleDisableAudit). The server's audit device
 * is declared in its configuration (`--audit-file`), never through the API: OpenBao removed
 * API-created audit devices after CVE-2025-6000 (an audit device whose file path is chosen
 * through the API can be made to write where it should not), and its words are used here.
 *
 * - `sys/audit` GET (a root path: `sudo` needed): the declared device as Vault lists a `file`
 *   device, under its path with a slash (`file/`): `type: "file"`, `description: ""`,
 *   `options: {file_path}`, `local: false`; none declared: `{}`.
 * - `sys/audit/:path` PUT/POST: 400 `cannot enable audit device via API; use declarative,
 *   config-based audit device management instead`; DELETE of the declared device: 400 `cannot
 *   disable configuration-managed audit device`, of any other path: 204 (nothing to disable).
 * - `sys/audit-hash/:path` POST/PUT `{input}`: `{hash: "hmac-sha256:…"}` with that device's salt;
 *   an empty input: 400 `the "input" parameter is empty`; a device that is not there: 400
 *   `unknown audit backend "<path>/"` (the audit broker's error, as an ErrorResponse).
 * All three copy `data` to the top level of the body, as Vault does for them.
 */
import type { AuditDevice } from "../../audit-log/index.js";
import { envelope } from "../envelope.js";
import { bodyFields, field, FrameworkString } from "../framework-fields.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { injectedEnvelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface AuditRouteDeps {
  /** The declared device, or null when the server writes no audit log. */
  readonly audit: AuditDevice | null;
  /** Its options as `sys/audit` lists them (`{file_path}`). */
  readonly auditOptions: Readonly<Record<string, string>>;
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

function reply(req: LogicalRequest, data: Record<string, unknown>): Reply {
  return { status: 200, body: injectedEnvelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

/** vault/logical_system.go sanitizePath: a trailing slash added, a leading one removed. */
function devicePath(path: string): string {
  const withSlash = path.endsWith("/") ? path : `${path}/`;
  return withSlash.startsWith("/") ? withSlash.slice(1) : withSlash;
}

export function auditRoutes(deps: AuditRouteDeps): SysRoute[] {
  const declared = deps.audit ? devicePath(deps.audit.path) : null;
  return [
    {
      pattern: /^audit$/,
      handle: (req) => {
        if (req.operation !== "read") return Promise.resolve(unsupported());
        const data: Record<string, unknown> = {};
        if (declared) data[declared] = { path: declared, type: "file", description: "", options: { ...deps.auditOptions }, local: false };
        return Promise.resolve(reply(req, data));
      },
    },
    {
      pattern: /^audit\/(.+)$/,
      handle: (req, m) => {
        if (req.operation === "update" || req.operation === "create") {
          return Promise.resolve(errorReply(400, "cannot enable audit device via API; use declarative, config-based audit device management instead"));
        }
        if (req.operation !== "delete") return Promise.resolve(unsupported());
        const path = m[1]!.endsWith("/") ? m[1]! : `${m[1]!}/`;
        return Promise.resolve(path === declared ? errorReply(400, "cannot disable configuration-managed audit device") : { status: 204 });
      },
    },
    {
      pattern: /^audit-hash\/(.+)$/,
      handle: (req, m) => {
        if (req.operation !== "update" && req.operation !== "create") return Promise.resolve(unsupported());
        return requestErrorsAsResponses(() => {
          const input = field(bodyFields(req.body), "input", FrameworkString, "");
          if (input === "") return Promise.resolve(errorReply(400, 'the "input" parameter is empty'));
          const path = devicePath(m[1]!);
          if (!deps.audit || path !== declared) return Promise.resolve(errorReply(400, `unknown audit backend ${JSON.stringify(path)}`));
          return Promise.resolve(reply(req, { hash: deps.audit.auditHash(input).hash }));
        });
      },
    },
  ];
}
