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
import { SecretsError } from "../../errors.js";
import type { Repo } from "../../git/repo.js";
import type { KeySource } from "../../sops/keysource.js";
import type { Operation } from "../../auth/policy/index.js";
import { loadKvMetadataFile, secretMetadata } from "../kv/metadata-file.js";
import { readVersion } from "../kv/read.js";
import { metadataResponse } from "../kv/responses.js";
import { goDuration } from "../kv/time.js";
import { kvVersions } from "../kv/versions.js";
import { secretFileOf } from "../kv/write-context.js";
import { envelope } from "../envelope.js";
import { canOpen, canOpenBlob, kvFileFor, kvPathProblem, listFolder, relativeSlash } from "../kv-files.js";
import { errorReply, type Reply } from "../reply.js";
import { envelopeJson } from "../vault-json.js";
import { kvInvalidPathWarning, multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { changeVersions, deleteData, deleteKeyMetadata, kvWriteExists, patchData, writeData, writeKeyMetadata, type Kv2WriteMount } from "./kv2-write.js";
import type { LogicalRequest, Mount } from "./mount.js";

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

async function readConfig(mount: Kv2Mount, req: MountRequest): Promise<Reply> {
  const config = (await loadKvMetadataFile(mount.root)).config ?? {};
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
  const file = kvFileFor(mount.root, segments) ?? newFileOf(mount, sub);
  if (!file) return null;
  const metadataFile = await loadKvMetadataFile(mount.root);
  const metadata = secretMetadata(metadataFile, relativeSlash(mount.root, file));
  const repoFile = relativeSlash(mount.repo.top, file);
  const history = await kvVersions(mount.repo, repoFile, { metadata, config: metadataFile.config ?? {} });
  return { file, repoFile, metadata, history };
}

async function readData(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const n = versionParam(req.query);
  if (n instanceof SecretsError) return errorReply(400, n.message);
  const secret = await secretOf(mount, sub);
  if (!secret) return NOT_FOUND;
  let read;
  try {
    read = await readVersion(mount, secret.repoFile, n, { history: secret.history, metadata: secret.metadata });
  } catch (e) {
    // A version the server's identity cannot open is not served (kv-files.ts).
    if (e instanceof SecretsError && e.kind === "no-key") return NOT_FOUND;
    throw e;
  }
  if (!read) return NOT_FOUND;
  return ok(req, read.body as unknown as Record<string, unknown>, read.status);
}

async function readMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const secret = await secretOf(mount, sub);
  if (!secret || secret.history.currentVersion === 0 || !(await servable(mount, secret))) return NOT_FOUND;
  return ok(req, metadataResponse(secret.history, secret.metadata));
}

/**
 * Whether the server's identity opens the secret: its file, or — when a delete removed the file and
 * Vault still answers with the metadata (every version deleted) — its newest version in git.
 */
async function servable(mount: Kv2Mount, secret: NonNullable<Awaited<ReturnType<typeof secretOf>>>): Promise<boolean> {
  if (existsSync(secret.file)) return canOpen(secret.file, mount.keys);
  const newest = secret.history.versions.at(-1);
  return newest !== undefined && canOpenBlob(mount.repo, secret.repoFile, newest.blob, mount.keys);
}

async function listMetadata(mount: Kv2Mount, req: MountRequest, sub: string): Promise<Reply> {
  const keys = await listFolder(mount.root, segmentsOf(sub), mount.keys);
  // sdk/logical/response_util.go RespondErrorCommon: a list with no keys is a 404.
  if (keys.length === 0) return NOT_FOUND;
  return ok(req, { keys });
}
