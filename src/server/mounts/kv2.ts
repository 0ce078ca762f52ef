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
import { existsSync } from "node:fs";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import type { Operation } from "../../auth/policy/index.js";
import { locateKvSecret, readServedVersion, segmentsOf, type KvFolderMount, type KvSecret } from "../kv/locate.js";
import type { KvRead } from "../kv/read.js";
import { subkeysOf } from "../kv/subkeys.js";
import { metadataResponse } from "../kv/responses.js";
import { goDuration } from "../kv/time.js";
import { envelope } from "../envelope.js";
import { canOpen, canOpenBlob, kvPathProblem, listFolder, relativeSlash } from "../kv-files.js";
import { SECRET_FILE_EXTENSIONS } from "../../secrets/resolve.js";
import { errorReply, type Reply } from "../reply.js";
import { envelopeJson, goMapOnce } from "../vault-json.js";
import { kvInvalidPathWarning, multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { changeVersions, deleteData, deleteKeyMetadata, kvWriteExists, patchData, patchKeyMetadata, writeConfig, writeData, writeKeyMetadata, type Kv2WriteMount } from "./kv2-write.js";
import type { LogicalRequest, Mount } from "./mount.js";

export const KV_MOUNT_TYPE = "kv";

export interface Kv2Mount extends Kv2WriteMount, KvFolderMount {
  /** The mount's path, with its trailing slash (`secret/`). */
  readonly path: string;
}

/** What the KV handlers read of a request (mount.ts LogicalRequest). */
export type MountRequest = Pick<LogicalRequest, "id" | "operation" | "path" | "query" | "body" | "author">;

/** The KV version 2 backend as one of the server's mounts (mount.ts). */
export function kv2Mount(kv: Kv2Mount): Mount {
  return {
    point: kv.path,
    type: KV_MOUNT_TYPE,
    exists: async (sub) => (await kvWriteExists(kv, sub)) ?? true,
    handle: (req) => handleKv2(kv, req),
  };
}

const NOT_FOUND = errorReply(404);
const CLI_VERB: Readonly<Record<Operation, string>> = { read: "get", list: "list", create: "put", update: "put", patch: "patch", delete: "delete" };

function ok(req: MountRequest, data: Record<string, unknown>, status = 200): Reply {
  return { status, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

/** The secret's path inside a `data/`, `metadata/`, `delete/`, `undelete/` or `destroy/` path, else null. */
const secretPathOf = (p: string): string | null => /^(?:data|metadata|delete|undelete|destroy)\/(.*)$/.exec(p)?.[1] ?? null;

export async function handleKv2(mount: Kv2Mount, req: MountRequest): Promise<Reply> {
  const p = req.path;
  const problem = kvPathProblem(secretPathOf(p) ?? "");
  // A path no file can have holds nothing: a read or list is 404, a delete 204 (as of any missing
  // key), and a write says why it cannot be made (400).
  if (problem !== null) {
    if (req.operation === "read" || req.operation === "list") return NOT_FOUND;
    return req.operation === "delete" ? { status: 204 } : errorReply(400, problem);
  }
  if (p === "config") return req.operation === "read" ? Promise.resolve(readConfig(mount, req)) : isWrite(req.operation) ? writeConfig(mount, req) : Promise.resolve(unsupported());
  if (p.startsWith("data/")) return dataRoute(mount, req, p.slice("data/".length));
  if (p.startsWith("subkeys/")) return req.operation === "read" ? readSubkeys(mount, req, p.slice("subkeys/".length)) : Promise.resolve(unsupported());
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
  if (req.operation === "patch") return patchKeyMetadata(mount, req, sub);
  if (isWrite(req.operation)) return writeKeyMetadata(mount, req, sub);
  if (req.operation === "delete") return deleteKeyMetadata(mount, req, sub);
  return Promise.resolve(unsupported());
}

function readConfig(mount: Kv2Mount, req: MountRequest): Reply {
  const config = mount.writes.metadata.load(mount.root).config ?? {};
  return ok(req, { cas_required: config.cas_required ?? false, delete_version_after: goDuration(0), max_versions: config.max_versions ?? 0 });
}

/** path_data.go, path_subkeys.go: `version` and `depth` are framework TypeInts; a value that is no integer is a 400. */
function intParam(query: URLSearchParams, field: "version" | "depth"): number | SecretsError {
  const raw = query.get(field);
  if (raw === null || raw === "") return 0;
  if (!/^[+-]?\d+$/.test(raw)) return new SecretsError("usage", `error converting input ${raw} for field "${field}"`);
  return Math.max(0, Number(raw));
}

/** Version `?version=` of the secret at `sub`: null when there is none to serve (Vault's bare 404). */
async function readAt(mount: Kv2Mount, req: MountRequest, sub: string): Promise<KvRead | null | SecretsError> {
  const n = intParam(req.query, "version");
  if (n instanceof SecretsError) return n;
  const secret = await locateKvSecret(mount, sub);
  return secret ? readServedVersion(mount, secret, n) : null;
}

async function readData(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const read = await readAt(mount, req, sub);
  if (read instanceof SecretsError) return errorReply(400, read.message);
  if (!read) return NOT_FOUND;
  const body = read.body as unknown as Record<string, unknown>;
  // The secret's data is encoded once per version (it is the same frozen object every time).
  const sent = read.body.data === null ? body : { ...body, data: goMapOnce(read.body.data) };
  return { status: read.status, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, sent) }), auditData: body as Reply["auditData"] };
}

/** `subkeys/<path>` (path_subkeys.go): the keys of a version without its values; a deleted or destroyed version is a 404 with `subkeys: null` and its metadata. */
async function readSubkeys(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const depth = intParam(req.query, "depth");
  if (depth instanceof SecretsError) return errorReply(400, depth.message);
  const read = await readAt(mount, req, sub);
  if (read instanceof SecretsError) return errorReply(400, read.message);
  if (!read) return NOT_FOUND;
  const { data, metadata } = read.body;
  const subkeys = read.status === 200 && data ? subkeysOf(data, depth) : null;
  // Only the structure is in the answer, so only the structure may reach the audit log.
  return ok(req, { subkeys, metadata }, read.status);
}

async function readMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const secret = await locateKvSecret(mount, sub);
  if (!secret || secret.history.currentVersion === 0 || !(await servable(mount, secret))) return NOT_FOUND;
  return ok(req, metadataResponse(secret.history, secret.metadata));
}

/**
 * Whether the server's identity opens the secret: its file, or — when a delete removed the file and
 * Vault still answers with the metadata (every version deleted) — its newest version in git.
 */
async function servable(mount: Kv2Mount, secret: KvSecret): Promise<boolean> {
  if (existsSync(secret.file)) return canOpen(secret.file, mount.keys);
  const newest = secret.history.versions.at(-1);
  return newest !== undefined && canOpenBlob(mount.repo, secret.repoFile, newest.blob, mount.keys);
}

async function listMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const folder = segmentsOf(sub);
  const [present, removed] = await Promise.all([listFolder(mount.root, folder, mount.keys), removedSecretsIn(mount, folder)]);
  const keys = [...new Set([...present, ...removed])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  // sdk/logical/response_util.go RespondErrorCommon: a list with no keys is a 404.
  if (keys.length === 0) return NOT_FOUND;
  return ok(req, { keys });
}

/**
 * The names in `folder` of secrets a delete removed from the work tree whose metadata lives: Vault
 * lists a key whose versions are all deleted or destroyed, until `DELETE metadata/` (after which
 * the file has no versions here: `versions_after`). Found among the paths git history ever held
 * under the folder, each then located and checked as a read of its metadata is.
 */
async function removedSecretsIn(mount: Kv2Mount, folder: readonly string[]): Promise<string[]> {
  const head = await mount.writes.history.head();
  if (head === null) return [];
  const prefix = relativeSlash(mount.repo.top, path.join(mount.root, ...folder)) + "/";
  const names = new Set<string>();
  for (const repoFile of await mount.writes.history.pathsEverChanged(head)) {
    if (!repoFile.startsWith(prefix)) continue;
    const rest = repoFile.slice(prefix.length).split("/");
    const file = rest.pop()!;
    const ext = SECRET_FILE_EXTENSIONS.find((e) => file.endsWith(e) && file.length > e.length);
    if (!ext || existsSync(path.join(mount.repo.top, ...repoFile.split("/")))) continue;
    const segments = [...rest, file.slice(0, -ext.length)];
    const name = segments.length === 1 ? segments[0]! : `${segments[0]!}/`;
    if (names.has(name)) continue;
    const secret = await locateKvSecret(mount, [...folder, ...segments].join("/"));
    if (secret && secret.repoFile === repoFile && !secret.history.present && secret.history.currentVersion > 0 && (await servable(mount, secret))) names.add(name);
  }
  return [...names];
}
