/**
 * `sys/auth` (the auth methods) as system routes, over `.secrets/mounts.yaml`'s `auth:` section
 * (config/mounts-file.ts), as vault/logical_system.go answers them:
 *
 * - `GET sys/auth`: every auth method, the built-in `token/` included, keyed by path; the data is
 *   also copied to the top level of the body (http/handler.go injectDataIntoTopRoutes);
 * - `GET sys/auth/<path>`: one of them, or 400 `No auth engine at <path>/`;
 * - `POST|PUT sys/auth/<path>` `{type, description}`: enables it — one commit adding the entry
 *   (comments and layout of the file kept). 409 `path is already in use at <p>` when it overlaps
 *   one (either is a prefix of the other, `token/` included); 400 `token credential backend cannot
 *   be instantiated`, `plugin not found in the catalog: <type>` for a type this server lacks;
 * - `DELETE sys/auth/<path>`: disables it — one commit removing the entry and the method's files
 *   (`.secrets/auth/<path>/`: its configuration and roles, as Vault drops the mount's storage);
 *   204 also when there is none; `token/` cannot be disabled. The tokens its logins issued are
 *   revoked with it, their children too, as Vault revokes a disabled mount's tokens by prefix
 *   (a method removed by a commit instead: its tokens are revoked when next used, token-registry.ts).
 *
 * `sys/auth/*` is root-protected in Vault (PathsSpecial.Root): every route but the list needs
 * `sudo` on the path besides the operation's capability, else 403 `permission denied`.
 *
 * Differences: the accessor and uuid of a method are derived from its path (stable across
 * restarts, as the file holds neither); tuning (`sys/auth/<path>/tune`) is not served.
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { isMap, parseDocument, Document } from "yaml";
import { AUTH_FOLDER } from "../../auth/jwt/index.js";
import { PERMISSION_DENIED_BODY, PERMISSION_DENIED_ERROR } from "../../auth/policy/index.js";
import { isSecretsError } from "../../errors.js";
import { VERSION } from "../../version.js";
import { commitConfig } from "../config/commit-config.js";
import type { DeclaredMount } from "../config/mount-table.js";
import { MountPoint, MOUNTS_FILE, parseMountsFile, type AuthMethodEntry } from "../config/mounts-file.js";
import { envelope } from "../envelope.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { injectedEnvelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface SysAuthDeps {
  readonly writes: KvWriteContext;
  /** The mounts the repository declares now (the auth methods among them). */
  declared(): Promise<readonly DeclaredMount[]>;
  /** The auth method types this server can mount (`jwt`). */
  readonly authTypes: readonly string[];
  /** Revokes the tokens a method's logins issued, once it is disabled (Vault revokes a disabled mount's tokens by prefix). */
  readonly loginTokens: { revokeIssuedUnder(mountPoint: string, now: number): Promise<number> };
}

/** The built-in token store's entry (always there, never in the file). */
const TOKEN_PATH = "token/";
const TOKEN_DESCRIPTION = "token based credentials";

/** A stable hex digest of a method's path and type: its accessor and uuid. */
function digest(point: string, type: string): string {
  return createHash("sha256").update(`auth\0${point}\0${type}`).digest("hex");
}

/** vault/logical_system.go mountInfo for an auth method (a credential table entry). */
export function authMountInfo(point: string, type: string, description: string): Record<string, unknown> {
  const h = digest(point, type);
  const info: Record<string, unknown> = {
    type,
    description,
    accessor: `auth_${type}_${h.slice(0, 8)}`,
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    options: null,
    uuid: `${h.slice(8, 16)}-${h.slice(16, 20)}-${h.slice(20, 24)}-${h.slice(24, 28)}-${h.slice(28, 40)}`,
    plugin_version: "",
    running_plugin_version: `v${VERSION}+builtin`,
    running_sha256: "",
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: "default-service" },
  };
  // Builtin plugins carry their deprecation status; the token store is not a plugin.
  if (type !== "token") info.deprecation_status = "supported";
  return info;
}

/** Vault's sanitizePath: a trailing slash, no leading one. */
function sanitizePath(p: string): string {
  let out = p.endsWith("/") ? p : `${p}/`;
  while (out.startsWith("/")) out = out.slice(1);
  return out;
}

const denied = (): Reply => ({ status: 403, body: PERMISSION_DENIED_BODY, auditError: PERMISSION_DENIED_ERROR });
const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));
const isWrite = (op: string): boolean => op === "create" || op === "update";

/** The auth methods now: `token/` first, then the declared ones, keyed by their path below `auth/`. */
async function authTable(deps: SysAuthDeps): Promise<Map<string, { type: string; description: string }>> {
  const table = new Map([[TOKEN_PATH, { type: "token", description: TOKEN_DESCRIPTION }]]);
  for (const d of await deps.declared()) {
    if (d.kind !== "auth") continue;
    table.set(d.point.slice("auth/".length), { type: d.entry.type, description: d.entry.description ?? "" });
  }
  return table;
}

/** The body's field as a string ("" when absent or not one). */
function field(body: unknown, name: string): string {
  const v = body !== null && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v : "";
}

/** `.secrets/mounts.yaml` with `edit` applied to its `auth:` map, comments kept; the text is checked before it is written. */
function editMountsFile(current: string | null, edit: (auth: Document) => void): string {
  if (current !== null) parseMountsFile(current);
  const doc = current === null ? new Document({}) : parseDocument(current);
  if (current === null) doc.commentBefore = " The server's mounts (secrets serve): secret engines under secrets:, auth methods under auth:.";
  edit(doc);
  const auth = doc.get("auth");
  if (isMap(auth) && auth.items.length === 0) doc.delete("auth");
  const text = doc.toString();
  parseMountsFile(text);
  return text;
}

/** Every file under `folder` (repo-relative), repo-relative, for a disable to remove. */
async function filesUnder(top: string, folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fsp.readdir(path.join(top, ...rel.split("/")), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return;
      throw e;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(`${rel}/${e.name}`);
      else out.push(`${rel}/${e.name}`);
    }
  };
  await walk(folder);
  return out.sort();
}

async function enable(deps: SysAuthDeps, req: LogicalRequest, mountPath: string): Promise<Reply> {
  const type = field(req.body, "type");
  if (type === "") return errorReply(400, "backend type must be specified as a string");
  const options = req.body !== null && typeof req.body === "object" ? (req.body as { options?: unknown }).options : undefined;
  if (options !== null && typeof options === "object" && typeof (options as Record<string, unknown>).version === "string" && (options as Record<string, string>).version !== "") {
    return errorReply(400, `auth method ${JSON.stringify(type)} does not allow setting a version`);
  }
  const point = MountPoint.safeParse(mountPath);
  if (!point.success) return errorReply(400, `invalid mount path ${JSON.stringify(mountPath)}: ${point.error.issues[0]?.message ?? "not a mount path"}`);
  for (const existing of (await authTable(deps)).keys()) {
    if (existing.startsWith(mountPath) || mountPath.startsWith(existing)) return errorReply(409, `path is already in use at ${existing}`);
  }
  if (type === "token") return errorReply(400, "token credential backend cannot be instantiated");
  if (!deps.authTypes.includes(type)) return errorReply(400, `plugin not found in the catalog: ${type}`);
  const description = field(req.body, "description");
  const entry: AuthMethodEntry = { type, ...(description ? { description } : {}) };
  await commitConfig(
    deps.writes,
    [MOUNTS_FILE],
    (current) => [{ path: MOUNTS_FILE, text: editMountsFile(current.get(MOUNTS_FILE) ?? null, (doc) => doc.setIn(["auth", mountPath], entry)) }],
    `sys/auth/${mountPath}: enabled (type ${type}) through the API`,
    req.author,
  );
  return { status: 204 };
}

async function disable(deps: SysAuthDeps, req: LogicalRequest, mountPath: string): Promise<Reply> {
  if (mountPath === TOKEN_PATH) return errorReply(400, "token credential backend cannot be disabled");
  if (!(await authTable(deps)).has(mountPath)) return { status: 204 };
  const folder = `${AUTH_FOLDER}/${mountPath.replace(/\/$/, "")}`;
  const owned = await filesUnder(deps.writes.repo.top, folder);
  await commitConfig(
    deps.writes,
    [MOUNTS_FILE, ...owned],
    (current) => [
      { path: MOUNTS_FILE, text: editMountsFile(current.get(MOUNTS_FILE) ?? null, (doc) => doc.deleteIn(["auth", mountPath])) },
      ...owned.map((p) => ({ path: p, text: null })),
    ],
    `sys/auth/${mountPath}: disabled through the API (its configuration and roles removed)`,
    req.author,
  );
  // After the commit: a disable that failed leaves the method, and its tokens, as they were.
  await deps.loginTokens.revokeIssuedUnder(`auth/${mountPath}`, req.now);
  return { status: 204 };
}

async function readOne(deps: SysAuthDeps, req: LogicalRequest, mountPath: string): Promise<Reply> {
  const entry = (await authTable(deps)).get(mountPath);
  if (!entry) return errorReply(400, `No auth engine at ${mountPath}`);
  const data = authMountInfo(mountPath, entry.type, entry.description);
  return { status: 200, body: injectedEnvelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

/** The `sys/auth` routes. */
export function authRoutes(deps: SysAuthDeps): SysRoute[] {
  return [
    {
      pattern: /^auth\/?$/,
      async handle(req) {
        if (req.operation !== "read") return unsupported();
        const data: Record<string, unknown> = {};
        for (const [p, e] of await authTable(deps)) data[p] = authMountInfo(p, e.type, e.description);
        return { status: 200, body: injectedEnvelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
      },
    },
    {
      // Tuning is not served: its path is left to the system backend's 404.
      pattern: /^auth\/(?!.*\/tune\/?$)(.+)$/,
      async handle(req, match) {
        // logical_system.go PathsSpecial.Root has "auth/*": sudo as well as the operation's capability.
        if (!req.acl?.allows(req.operation, req.fullPath, undefined, { sudoRequired: true }).allowed) return denied();
        const mountPath = sanitizePath(match[1]!);
        try {
          if (req.operation === "read") return await readOne(deps, req, mountPath);
          if (isWrite(req.operation)) return await enable(deps, req, mountPath);
          if (req.operation === "delete") return await disable(deps, req, mountPath);
          return unsupported();
        } catch (e) {
          if (isSecretsError(e) && e.kind === "usage") return errorReply(400, e.message);
          throw e;
        }
      },
    },
  ];
}
