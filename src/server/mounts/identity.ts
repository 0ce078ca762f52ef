/**
 * The built-in `identity/` mount: Vault's identity OIDC token API (vault/identity_store_oidc.go),
 * thin over src/identity (the repository's `.secrets/engines/identity/oidc/` files):
 *
 * - read `oidc/token/<role>`: 200, `data` `{client_id, token, ttl}` as Vault (no lease); Vault's
 *   400s for an unknown role or key and a key that does not allow the role's client id. The token
 *   goes to the audit log as response data, HMAC'd there like every string of it.
 * - read `oidc/.well-known/keys` (no token, as Vault's PathsSpecial.Unauthenticated): the JWKS,
 *   the raw JSON body `{"keys":[…]}`.
 * - read `oidc/.well-known/openid-configuration` (no token): the discovery document, with Vault's
 *   `Cache-Control: max-age=3600`.
 * - update `oidc/key/<name>/rotate` (`verification_ttl` optional): the key file rotated in one
 *   commit authored by the token's display name; 204 as Vault. 400 `no named key found at "x"`.
 *
 * Anything else below the mount: 404 `unsupported path` (roles and keys are reviewed files, not
 * API state); an operation a path does not have: 405 `unsupported operation`.
 */
import path from "node:path";
import { SecretsError } from "../../errors.js";
import { rotatedKeyText, type RepositoryOidcConfig } from "../../identity/files.js";
import type { OidcIdentity } from "../../identity/identity.js";
import { DurationSeconds } from "../../engines/postgres/schema.js";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import type { KeySource } from "../../sops/keysource.js";
import { commitConfig } from "../config/commit-config.js";
import { envelope } from "../envelope.js";
import { bodyFields, field } from "../framework-fields.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest, Mount } from "./mount.js";

export const IDENTITY_MOUNT_TYPE = "identity";

/** framework.GenericNameRegex. */
const NAME = String.raw`\w(?:[\w.-]*\w)?`;
const TOKEN_PATTERN = new RegExp(`^oidc/token/(${NAME})$`);
const ROTATE_PATTERN = new RegExp(`^oidc/key/(${NAME})/rotate$`);
const KEYS_PATH = "oidc/.well-known/keys";
const DISCOVERY_PATH = "oidc/.well-known/openid-configuration";

export interface IdentityMountDeps {
  readonly identity: OidcIdentity;
  /** Where the key files are (for rotation's commit). */
  readonly config: RepositoryOidcConfig;
  readonly repoTop: string;
  /** The server's writes: a rotation is a commit. */
  readonly writes: KvWriteContext;
  /** Whose identities open and re-encrypt the key files. */
  readonly keys: () => Promise<KeySource>;
}

const unsupportedOperation = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

/** Vault's HTTPRawBody responses: the JSON as it is, not in an envelope. */
function rawJson(value: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return { status: 200, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}

async function token(deps: IdentityMountDeps, req: LogicalRequest, role: string): Promise<Reply> {
  if (req.operation !== "read") return unsupportedOperation();
  if (!req.info) throw new SecretsError("permission-denied", "permission denied");
  const minted = await deps.identity.token(role, { displayName: req.info.displayName, accessor: req.info.accessor, meta: req.info.meta }, req.now);
  const data = { client_id: minted.client_id, token: minted.token, ttl: minted.ttl };
  const warnings = minted.warnings.length ? minted.warnings : null;
  return { status: 200, body: envelopeJson({ ...envelope(req.id, IDENTITY_MOUNT_TYPE, data, warnings) }), auditData: data, ...(warnings ? { warnings } : {}) };
}

async function rotate(deps: IdentityMountDeps, req: LogicalRequest, name: string): Promise<Reply> {
  if (req.operation !== "update" && req.operation !== "create") return unsupportedOperation();
  const raw = field(bodyFields(req.body), "verification_ttl", DurationSeconds.nullable(), null);
  const override = raw === null ? undefined : typeof raw === "number" ? raw : (parseDurationSeconds(raw) as { seconds: number }).seconds;
  const abs = deps.config.keyFile(name);
  const rel = path.relative(deps.repoTop, abs).split(path.sep).join("/");
  const keys = await deps.keys();
  await commitConfig(
    deps.writes,
    [rel],
    async (current) => {
      const text = current.get(rel);
      if (text === null || text === undefined) throw new SecretsError("usage", `no named key found at ${JSON.stringify(name)}`);
      const rotated = await rotatedKeyText(text, name, rel, keys, req.now, override);
      return [{ path: rel, text: rotated.text }];
    },
    `rotate OIDC key ${name}`,
    req.author,
  );
  return { status: 204 };
}

export function identityMount(deps: IdentityMountDeps): Mount {
  return {
    point: "identity/",
    type: IDENTITY_MOUNT_TYPE,
    unauthenticated: (p) => p === KEYS_PATH || p === DISCOVERY_PATH,
    handle: (req) =>
      requestErrorsAsResponses(async (): Promise<Reply> => {
        if (req.path === KEYS_PATH) return req.operation === "read" ? rawJson(await deps.identity.jwks(req.now)) : unsupportedOperation();
        if (req.path === DISCOVERY_PATH) return req.operation === "read" ? rawJson(await deps.identity.discovery(), { "Cache-Control": "max-age=3600" }) : unsupportedOperation();
        const t = TOKEN_PATTERN.exec(req.path);
        if (t) return token(deps, req, t[1]!);
        const r = ROTATE_PATTERN.exec(req.path);
        if (r) return rotate(deps, req, r[1]!);
        return errorReply(404, multiError(UNSUPPORTED_PATH));
      }),
  };
}
