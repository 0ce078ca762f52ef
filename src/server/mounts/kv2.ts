/**
 * The KV version 2 mount (`secret/` by default): the read endpoints of vault-plugin-secrets-kv
 * over the repository. Writes come with the write library (src/server/kv/write.ts).
 *
 * - `data/<path>` read (`?version=N`, 0 or absent: the current one): path_data.go pathDataRead;
 * - `metadata/<path>` read, and list (folders end with `/`): path_metadata.go;
 * - `config` read: path_config.go.
 * The writes (`data/` POST, PUT, PATCH and DELETE, `delete/`, `undelete/`, `destroy/`, `metadata/`
 * POST, PUT and DELETE) are in kv2-write.ts. A path that is none of these answers 404 with the
 * plugin's warning (backend.go); an operation an endpoint does not take answers 405
 * `unsupported operation`.
 */
import { SecretsError } from "../../errors.js";
import type { Repo } from "../../git/repo.js";
import type { KeySource } from "../../sops/keysource.js";
import type { Operation } from "../../auth/policy/index.js";
import { secretMetadata } from "../kv/metadata-file.js";
import { readVersion } from "../kv/read.js";
import { metadataResponse } from "../kv/responses.js";
import { goDuration } from "../kv/time.js";
import { secretFileOf, versionsOf } from "../kv/write-context.js";
import type { GitIdentity } from "../kv/commit-queue.js";
import { envelope } from "../envelope.js";
import { canOpen, listFolder, relativeSlash } from "../kv-files.js";
import { errorReply, type Reply } from "../reply.js";
import { envelopeJson, goMapOnce } from "../vault-json.js";
import { kvInvalidPathWarning, multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { changeVersions, deleteData, deleteKeyMetadata, patchData, writeData, writeKeyMetadata, type Kv2WriteMount } from "./kv2-write.js";

export const KV_MOUNT_TYPE = "kv";

export interface Kv2Mount extends Kv2WriteMount {
  /** The mount's path, with its trailing slash (`secret/`). */
  readonly path: string;
  /** The folder it maps to (absolute). */
  readonly root: string;
  readonly repo: Repo;
  /** The server's identity. */
  readonly keys: KeySource;
}

/** A request as the mount sees it: the path below the mount, and the query parameters. */
export interface MountRequest {
  readonly id: string;
  readonly operation: Operation;
  /** Below the mount, no leading slash; a list's ends with `/` (or is "" for the mount's top). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The JSON body of a POST, PUT or PATCH (null: none). */
  readonly body: unknown;
  /** The token's display name as a git author, for writes. */
  readonly author: GitIdentity;
}

const NOT_FOUND = errorReply(404);
const CLI_VERB: Readonly<Record<Operation, string>> = { read: "get", list: "list", create: "put", update: "put", patch: "patch", delete: "delete" };

function ok(req: MountRequest, data: Record<string, unknown>, status = 200): Reply {
  return { status, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

export async function handleKv2(mount: Kv2Mount, req: MountRequest): Promise<Reply> {
  const p = req.path;
  if (p === "config") return req.operation === "read" ? readConfig(mount, req) : unsupported();
  if (p.startsWith("data/")) return dataRoute(mount, req, p.slice("data/".length));
  if (p.startsWith("metadata/") || p === "metadata") return metadataRoute(mount, req, p.slice("metadata/".length));
  const versions = /^(delete|undelete|destroy)\/(.+)$/.exec(p);
  if (versions) return isWrite(req.operation) ? changeVersions(mount, req, versions[1] as "delete" | "undelete" | "destroy", versions[2]!) : unsupported();
  const warning = kvInvalidPathWarning(CLI_VERB[req.operation]);
  return { status: 404, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, null, [warning]) }), warnings: [warning] };
}

const isWrite = (op: Operation): boolean => op === "create" || op === "update";

function dataRoute(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  if (req.operation === "read") return readData(mount, req, sub);
  if (isWrite(req.operation)) return writeData(mount, req, sub);
  if (req.operation === "patch") return patchData(mount, req, sub);
  if (req.operation === "delete") return deleteData(mount, req, sub);
  return Promise.resolve(unsupported());
}

function metadataRoute(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  if (req.operation === "list") return listMetadata(mount, req, sub);
  if (req.operation === "read") return readMetadata(mount, req, sub);
  if (isWrite(req.operation)) return writeKeyMetadata(mount, req, sub);
  if (req.operation === "delete") return deleteKeyMetadata(mount, req, sub);
  return Promise.resolve(unsupported());
}

const segmentsOf = (p: string): string[] => p.split("/").filter((s) => s !== "");

function readConfig(mount: Kv2Mount, req: MountRequest): Reply {
  const config = mount.writes.metadata.load(mount.root).config ?? {};
  return ok(req, { cas_required: config.cas_required ?? false, delete_version_after: goDuration(0), max_versions: config.max_versions ?? 0 });
}

/** path_data.go: `version` is a framework TypeInt; a value that is no integer is a 400. */
function versionParam(query: URLSearchParams): number | SecretsError {
  const raw = query.get("version");
  if (raw === null || raw === "") return 0;
  if (!/^[+-]?\d+$/.test(raw)) return new SecretsError("usage", `error converting input ${raw} for field "version"`);
  return Math.max(0, Number(raw));
}

function newFileOf(mount: Kv2Mount, sub: string): string | null {
  try {
    return secretFileOf(mount.writes, mount, sub).abs;
  } catch {
    return null;
  }
}

async function secretOf(mount: Kv2Mount, sub: string) {
  const segments = segmentsOf(sub);
  if (segments.length === 0) return null;
  // A file removed by a delete still has its history: the secret is then the file a write would
  // create (write-context.ts secretFileOf), so that deleted versions answer with their metadata.
  const head = await mount.writes.history.head();
  const file = mount.writes.files.fileFor(mount.root, segments, head) ?? newFileOf(mount, sub);
  if (!file) return null;
  const metadataFile = mount.writes.metadata.load(mount.root);
  const metadata = secretMetadata(metadataFile, relativeSlash(mount.root, file));
  const repoFile = relativeSlash(mount.repo.top, file);
  const history = await versionsOf(mount.writes, repoFile, { metadata, config: metadataFile.config ?? {} }, head);
  return { file, repoFile, metadata, history };
}

async function readData(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const n = versionParam(req.query);
  if (n instanceof SecretsError) return errorReply(400, n.message);
  const secret = await secretOf(mount, sub);
  if (!secret) return NOT_FOUND;
  let read;
  try {
    read = await readVersion({ repo: mount.repo, keys: mount.keys, versions: mount.writes.versions }, secret.repoFile, n, { history: secret.history, metadata: secret.metadata });
  } catch (e) {
    // A version the server's identity cannot open is not served (kv-files.ts).
    if (e instanceof SecretsError && e.kind === "no-key") return NOT_FOUND;
    throw e;
  }
  if (!read) return NOT_FOUND;
  const body = read.body as unknown as Record<string, unknown>;
  // The secret's data is encoded once per version (it is the same frozen object every time).
  const sent = read.body.data === null ? body : { ...body, data: goMapOnce(read.body.data) };
  return { status: read.status, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, sent) }), auditData: body as Reply["auditData"] };
}

async function readMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const secret = await secretOf(mount, sub);
  if (!secret || secret.history.currentVersion === 0 || !(await canOpen(secret.file, mount.keys))) return NOT_FOUND;
  return ok(req, metadataResponse(secret.history, secret.metadata));
}

async function listMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const keys = await listFolder(mount.root, segmentsOf(sub), mount.keys);
  // sdk/logical/response_util.go RespondErrorCommon: a list with no keys is a 404.
  if (keys.length === 0) return NOT_FOUND;
  return ok(req, { keys });
}
