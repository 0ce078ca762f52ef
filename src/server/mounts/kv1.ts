/**
 * The KV version 1 mount (Vault's `kv` without `version: 2`): vault-plugin-secrets-kv
 * passthrough.go over a folder of the repository, with the KV library underneath (src/server/kv/):
 * the same files as version 2 (`<folder>/<path>.<ext>`, encrypted like `secrets set`), the same
 * writes (one commit per write, by the token's display name, naming the path, never a value), only
 * without versions on the API.
 *
 * - read `<path>` (handleReadOrRenew): the current committed content's top-level map as `data`;
 *   `lease_duration` is the secret's own `ttl` (or, without one, `lease`) when it parses as a
 *   duration, else the mount's default lease TTL (768h unless tuned). The lease is never
 *   registered (`lease_id: ""`, `renewable: false`): Vault registers none for a KV mount either
 *   (vault/request_handling.go, "KV mounts should return the TTL but not register");
 * - write `<path>` (handleWrite): the whole body is the new data; 204; `missing path` at the
 *   mount's top, `missing data fields` for an empty body;
 * - delete `<path>` (handleDelete): a commit removing the file; 204 whether or not it existed;
 * - list `<folder>/` (handleList): names below it, folders ending in `/`; none is 404.
 * A missing secret is 404 `{"errors":[]}`. PATCH is no operation of this backend (405).
 */
import { parseDurationSeconds } from "../../auth/policy/index.js";
import { envelope } from "../envelope.js";
import { locateKvSecret, readServedVersion, segmentsOf, type KvFolderMount } from "../kv/locate.js";
import { deleteLatest, writeSecret } from "../kv/write.js";
import { listFolder } from "../kv-files.js";
import { errorReply, type Reply } from "../reply.js";
import { envelopeJson } from "../vault-json.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { KV_MOUNT_TYPE, type MountRequest } from "./kv2.js";
import { asVaultError } from "./kv2-write.js";
import type { Mount } from "./mount.js";

export interface Kv1Mount extends KvFolderMount {
  /** The mount's path, with its trailing slash (`legacy/`). */
  readonly path: string;
  /** Seconds: the mount's `default_lease_ttl`, or the system's 768h when it sets none. */
  readonly defaultLeaseTtl: number;
}

const NOT_FOUND = errorReply(404);
const NO_CONTENT: Reply = { status: 204 };

/** The KV version 1 backend as one of the server's mounts (mount.ts). */
export function kv1Mount(kv: Kv1Mount): Mount {
  return {
    point: kv.path,
    type: KV_MOUNT_TYPE,
    exists: (sub) => currentExists(kv, sub),
    handle: (req) => handleKv1(kv, req),
  };
}

export function handleKv1(mount: Kv1Mount, req: MountRequest): Promise<Reply> {
  switch (req.operation) {
    case "read":
      return readSecret(mount, req);
    case "list":
      return listSecrets(mount, req);
    case "create":
    case "update":
      return writeKv1(mount, req);
    case "delete":
      return deleteKv1(mount, req);
    default:
      return Promise.resolve(errorReply(405, multiError(UNSUPPORTED_OPERATION)));
  }
}

/** The current version, when it is there to be read: not deleted, not destroyed. */
async function currentOf(mount: Kv1Mount, sub: string) {
  const secret = await locateKvSecret(mount, sub);
  const current = secret?.history.versions.find((v) => v.version === secret.history.currentVersion);
  if (!secret || !current || current.deletionTime !== "" || current.destroyed) return null;
  return secret;
}

/** passthrough.go handleExistenceCheck: a write is `create` in the ACL unless the key is there now. */
async function currentExists(mount: Kv1Mount, sub: string): Promise<boolean> {
  return (await currentOf(mount, sub)) !== null;
}

async function readSecret(mount: Kv1Mount, req: MountRequest): Promise<Reply> {
  const secret = await currentOf(mount, req.path);
  const read = secret && (await readServedVersion(mount, secret, 0));
  if (!read || read.status !== 200 || read.body.data === null) return NOT_FOUND;
  const data = read.body.data;
  const body = { ...envelope(req.id, KV_MOUNT_TYPE, data), lease_duration: leaseSeconds(data, mount.defaultLeaseTtl) };
  return { status: 200, body: envelopeJson(body), auditData: data as Reply["auditData"] };
}

/**
 * handleReadOrRenew: the `ttl` key, else `lease`, through parseutil.ParseDurationSecond of the
 * value as Vault decoded it (jsonutil keeps a number as its JSON text, so `1.5` is a duration
 * without a unit and is ignored, and `3600` is an hour); a value that does not parse leaves the
 * default. JSON null is a zero duration.
 */
export function leaseSeconds(data: Readonly<Record<string, unknown>>, fallback: number): number {
  const raw = "ttl" in data ? data.ttl : "lease" in data ? data.lease : undefined;
  if (raw === undefined) return fallback;
  const input = typeof raw === "number" || typeof raw === "bigint" ? String(raw) : raw;
  const parsed = parseDurationSeconds(input);
  return "seconds" in parsed ? Math.trunc(parsed.seconds) : fallback;
}

async function listSecrets(mount: Kv1Mount, req: MountRequest): Promise<Reply> {
  const keys = await listFolder(mount.root, segmentsOf(req.path), mount.keys);
  // sdk/logical/response_util.go RespondErrorCommon: a list with no keys is a 404.
  if (keys.length === 0) return NOT_FOUND;
  const data = { keys };
  return { status: 200, body: envelopeJson({ ...envelope(req.id, KV_MOUNT_TYPE, data) }), auditData: data };
}

async function writeKv1(mount: Kv1Mount, req: MountRequest): Promise<Reply> {
  if (segmentsOf(req.path).length === 0) return errorReply(400, "missing path");
  const body = req.body;
  // handleWrite: `len(req.Data) == 0` (the pipeline has refused a body that is not a JSON object).
  if (body === null || typeof body !== "object" || Object.keys(body).length === 0) return errorReply(400, "missing data fields");
  // A path no file can have, or data a file cannot hold: the request's fault, a 400 with the library's message.
  return asVaultError(async () => {
    await writeSecret(mount.writes, mount, req.path, body as Record<string, unknown>, { author: req.author });
    return NO_CONTENT;
  });
}

function deleteKv1(mount: Kv1Mount, req: MountRequest): Promise<Reply> {
  return asVaultError(async () => {
    if (segmentsOf(req.path).length > 0) await deleteLatest(mount.writes, mount, req.path, { author: req.author });
    return NO_CONTENT;
  });
}
