/**
 * The write endpoints of the KV version 2 mount, over the write library (src/server/kv/): each
 * answers as vault-plugin-secrets-kv does.
 *
 * - `data/<path>`: POST/PUT → write (path_data.go pathDataWrite: 200, the new version's info),
 *   PATCH → merge patch (pathDataPatch), DELETE → delete the current version (pathDataDelete: 204);
 * - `delete/`, `undelete/`, `destroy/<path>` with `versions` (path_delete.go, path_destroy.go: 204);
 * - `metadata/<path>`: POST/PUT → write the key's settings (path_metadata.go pathMetadataWrite:
 *   204, or 200 with warnings only), DELETE → delete the key and all its versions (204).
 * A request error the plugin answers with `logical.ErrorResponse` + ErrInvalidRequest is a 400 whose
 * body holds the message as it is (not wrapped in a multierror).
 */
import path from "node:path";
import { isSecretsError, SecretsError } from "../../errors.js";
import type { GitIdentity } from "../kv/commit-queue.js";
import { writeKvConfig } from "../kv/config-write.js";
import { deleteMetadata, patchMetadata, writeMetadata } from "../kv/metadata-write.js";
import { deleteVersions, destroyVersions, undeleteVersions, VersionsField } from "../kv/versions-write.js";
import { deleteLatest, patchSecret, writeSecret } from "../kv/write.js";
import { secretFileOf, versionsOf, type KvMount, type KvWriteContext } from "../kv/write-context.js";
import { hasKeyMetadata, secretMetadata } from "../kv/metadata-file.js";
import { envelope } from "../envelope.js";
import { errorReply, type Reply } from "../reply.js";
import { envelopeJson } from "../vault-json.js";
import { vaultMessageOf } from "../vault-errors.js";

/** What a write endpoint needs of the mount: where its secrets are and the server's one write context. */
export interface Kv2WriteMount extends KvMount {
  readonly writes: KvWriteContext;
}

/** A write request as the mount sees it. */
export interface KvWriteRequest {
  readonly id: string;
  /** The JSON body (null: none). */
  readonly body: unknown;
  /** The token's display name as a git author (commit-queue.ts authorFor). */
  readonly author: GitIdentity;
}

const NO_CONTENT: Reply = { status: 204 };
const MOUNT_TYPE = "kv";

const fieldOf = (body: unknown, name: string): unknown => (body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined);

function dataReply(req: KvWriteRequest, data: Readonly<Record<string, unknown>> | null, status = 200, warnings: string[] | null = null): Reply {
  return { status, body: envelopeJson({ ...envelope(req.id, MOUNT_TYPE, data, warnings) }), ...(data ? { auditData: data as Reply["auditData"] } : {}), ...(warnings ? { warnings } : {}) };
}

/** A `usage` error (what the request carries) as the plugin's 400: the message as it is. */
export async function asVaultError(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (e) {
    if (isSecretsError(e) && e.httpStatus === 400) return errorReply(400, vaultMessageOf(e));
    throw e;
  }
}

/** A JSON object, or undefined (Vault's framework drops a field of the wrong type into a 400 of its own; a non-object `data` is no data here). */
function objectField(body: unknown, name: string): Record<string, unknown> | null {
  const v = fieldOf(body, name);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** `POST|PUT data/<path>`: the whole new data, with `options.cas`. */
export function writeData(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    const info = await writeSecret(mount.writes, mount, kvPath, objectField(req.body, "data"), { author: req.author, options: objectField(req.body, "options") });
    return dataReply(req, info);
  });
}

/**
 * `PATCH data/<path>`: a JSON merge patch of the current data. A key that does not exist is a 404
 * with an empty body (pathDataPatch answers `RespondWithStatusCode(nil, …, 404)`); a deleted or
 * destroyed current version a 404 carrying its metadata.
 */
export function patchData(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    const result = await patchSecret(mount.writes, mount, kvPath, objectField(req.body, "data"), { author: req.author, options: objectField(req.body, "options") });
    if (result.body === null) return { status: 404, body: "" };
    return dataReply(req, result.body, result.status);
  });
}

/** `DELETE data/<path>`: the current version is soft-deleted; 204 whether or not there was one. */
export function deleteData(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    await deleteLatest(mount.writes, mount, kvPath, { author: req.author });
    return NO_CONTENT;
  });
}

const VERSION_OPS = { delete: deleteVersions, undelete: undeleteVersions, destroy: destroyVersions } as const;

/** `POST delete|undelete|destroy/<path>` with `versions` (framework.TypeCommaIntSlice). */
export function changeVersions(mount: Kv2WriteMount, req: KvWriteRequest, op: keyof typeof VERSION_OPS, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    const parsed = VersionsField.safeParse(fieldOf(req.body, "versions"));
    // The framework's own message for a field it cannot convert (sdk/framework/field_data.go).
    if (!parsed.success) throw new SecretsError("usage", `error converting input for field "versions"`);
    await VERSION_OPS[op](mount.writes, mount, kvPath, parsed.data, { author: req.author });
    return NO_CONTENT;
  });
}

/** `POST|PUT metadata/<path>`: 204, or 200 with only warnings (pathMetadataWrite). */
export function writeKeyMetadata(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    const { warnings } = await writeMetadata(mount.writes, mount, kvPath, req.body, { author: req.author });
    return warnings.length ? dataReply(req, null, 200, warnings) : NO_CONTENT;
  });
}

/** `POST|PUT config`: the mount's settings; 204 (pathConfigWrite). */
export function writeConfig(mount: Kv2WriteMount, req: KvWriteRequest): Promise<Reply> {
  return asVaultError(async () => {
    await writeKvConfig(mount.writes, mount, req.body, { author: req.author });
    return NO_CONTENT;
  });
}

/** `PATCH metadata/<path>`: 204, 200 with only warnings, or a bare 404 for a key that does not exist (pathMetadataPatch). */
export function patchKeyMetadata(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    const result = await patchMetadata(mount.writes, mount, kvPath, req.body, { author: req.author });
    if (result === null) return { status: 404, body: "" };
    return result.warnings.length ? dataReply(req, null, 200, result.warnings) : NO_CONTENT;
  });
}

/** `DELETE metadata/<path>`: the key, all its versions and its settings; 204. */
export function deleteKeyMetadata(mount: Kv2WriteMount, req: KvWriteRequest, kvPath: string): Promise<Reply> {
  return asVaultError(async () => {
    await deleteMetadata(mount.writes, mount, kvPath, { author: req.author });
    return NO_CONTENT;
  });
}

/**
 * Vault's existence check for a POST/PUT (vault/request_handling.go: it decides `create` against
 * `update` in the ACL): on `data/` and `metadata/` (path_data.go dataExistenceCheck,
 * path_metadata.go metadataExistenceCheck) whether the key's metadata exists, i.e. a version or a
 * record; the other endpoints have no check, so their writes are updates (undefined here).
 */
export async function kvWriteExists(mount: Kv2WriteMount, sub: string): Promise<boolean | undefined> {
  const m = /^(data|metadata)\/(.+)$/.exec(sub);
  if (!m) return undefined;
  let abs: string;
  let mountDir: string;
  try {
    ({ abs, mountDir } = secretFileOf(mount.writes, mount, m[2]!));
  } catch {
    // A bad path: the write itself answers why.
    return undefined;
  }
  const metadataFile = mount.writes.metadata.load(mountDir);
  const relative = path.relative(mountDir, abs).split(path.sep).join("/");
  if (hasKeyMetadata(metadataFile.secrets?.[relative])) return true;
  const file = path.relative(mount.writes.repo.top, abs).split(path.sep).join("/");
  const history = await versionsOf(mount.writes, file, { metadata: secretMetadata(metadataFile, relative), config: metadataFile.config ?? {} });
  return history.currentVersion > 0;
}
