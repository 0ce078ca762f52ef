/**
 * `sys/mounts`: the secrets engines, as vault/logical_system.go answers them, over
 * `.secrets/mounts.yaml`. Reading lists the mounts (mount-info.ts); enabling, disabling and tuning
 * change the file in one commit by the token's display name (commit-config.ts), so that a Vault
 * setup script or Terraform leaves the same reviewed history a pull request would.
 *
 * - `GET sys/mounts`: every secrets engine, `path/` → mountInfo (handleMountTable);
 * - `GET sys/mounts/:path`: the mount that answers the path (handleReadMount), else 400
 *   `No secret engine mount at <path>/`;
 * - `POST sys/mounts/:path` (handleMount, vault/mount.go mount and mountInternal): `type`
 *   (`kv`, `kv-v1`, `kv-v2`, or `plugin` with `plugin_name`), `description`, `options`
 *   (`version`), `config` (`default_lease_ttl`, `max_lease_ttl`); other fields are accepted and
 *   not kept. 204. The folder: `secret/` gets the workspace's secrets root (where the implicit
 *   `secret/` lives), any other path `kv/<path>`;
 * - `DELETE sys/mounts/:path` (handleUnmount): 204, also for a path with no mount (Vault does not
 *   say whether one existed). The entry leaves the file; the folder's files stay in git and in
 *   the work tree: enabling the path again serves them again;
 * - `GET|POST sys/mounts/:path/tune` (handleTuneReadCommon, handleTuneWriteCommon): reads the
 *   effective lease TTLs; writes `description`, `default_lease_ttl`, `max_lease_ttl` and
 *   `options` (a KV `version` may go from 1 to 2, never back: the files are the same, so the
 *   "upgrade" only changes the API); the other tune fields are accepted and not kept.
 * Every body carries `data` at the top level too (http/handler.go injectDataIntoTopRoutes).
 *
 * Vault does not require `sudo` here: sys/mounts is not among the system backend's root paths
 * (PathsSpecial.Root lists `auth/*`, `audit`, `remount`, … but not `mounts`), so `create`/`update`
 * on `sys/mounts/<path>` is enough to enable, as it is in Vault.
 */
import path from "node:path";
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/index.js";
import { SYSTEM_MAX_TTL } from "../../auth/tokens/ttl.js";
import { SecretsError } from "../../errors.js";
import { confinedPath } from "../../io/confine.js";
import { parseWith } from "../../util/zod-error.js";
import { commitConfig } from "../config/commit-config.js";
import type { RepositoryMountTable } from "../config/mount-table.js";
import { withSecretsEngine } from "../config/mounts-edit.js";
import { DEFAULT_KV_MOUNT, describeOverlap, isProtectedMount, KV_TYPE, MountPoint, MOUNTS_FILE, overlappingFolders, parseMountsFile, secretsEngines, type SecretsEngineEntry } from "../config/mounts-file.js";
import { envelope } from "../envelope.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { injectedEnvelopeJson } from "../vault-json.js";
import { kvVersionOf } from "./kv-factory.js";
import type { LogicalRequest } from "./mount.js";
import { matchingRecord, mountInfo, mountRecords, tuneInfo } from "./mount-info.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface MountsRouteDeps {
  /** The server's mount table (a function: the table holds the system mount itself). */
  readonly mounts: () => RepositoryMountTable;
  /** The repository's one write context: its commit queue and file locks. */
  readonly writes: KvWriteContext;
  /** The secrets engine types this server can build (the mount factories' keys). */
  readonly engineTypes: readonly string[];
}

/** Where `sys/mounts/:path` puts the files of a new mount other than `secret/`: `kv/<path>`. */
export const API_MOUNTS_FOLDER = "kv";

/** vault/mount.go singletonMounts: types that exist once, built in. */
const SINGLETON_TYPES: ReadonlySet<string> = new Set(["cubbyhole", "ns_cubbyhole", "system", "ns_system", "token", "ns_token", "identity", "ns_identity"]);

/** vault/mount.go untunableMounts. */
const UNTUNABLE = ["cubbyhole/", "sys/", "audit/", "identity/"];

const NO_CONTENT: Reply = { status: 204 };
const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

/** sanitizePath: a trailing slash, no leading one. */
function sanitizePath(p: string): string {
  const withSlash = p.endsWith("/") ? p : `${p}/`;
  return withSlash.replace(/^\/+/, "");
}

function sysReply(req: LogicalRequest, data: Record<string, unknown> | null, warnings: string[] | null = null): Reply {
  const body = injectedEnvelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data, warnings) });
  return { status: 200, body, ...(data ? { auditData: data as Reply["auditData"] } : {}), ...(warnings ? { warnings } : {}) };
}

/** A framework TypeKVPairs value: strings, numbers taken as their text (mapstructure's weak decoding). */
const KvPairs = z.record(z.string(), z.union([z.string(), z.number().transform(String)]));

/** The fields of `POST sys/mounts/:path` this server reads; any other field is accepted and not kept. */
const EnableBody = z.looseObject({
  type: z.string().nullish(),
  description: z.string().nullish(),
  plugin_name: z.string().nullish(),
  options: KvPairs.nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
});

/** The fields of `POST sys/mounts/:path/tune` this server keeps. */
const TuneBody = z.looseObject({
  description: z.string().nullish(),
  default_lease_ttl: z.union([z.string(), z.number().transform(String)]).nullish(),
  max_lease_ttl: z.union([z.string(), z.number().transform(String)]).nullish(),
  options: KvPairs.nullish(),
});

/** The body through `schema`; the framework's 400 for a field of the wrong type. */
function bodyOf<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseWith(schema, body ?? {}, ([issue]) => new SecretsError("usage", `error converting input for field ${JSON.stringify(String(issue.path[0] ?? ""))}`));
}

/** A TTL as Vault's mount config reads one: "" or "system" is the system's (0), else parseutil.ParseDurationSecond. */
function ttlOf(raw: unknown): { seconds: number } | { error: string } {
  if (raw === undefined || raw === null || raw === "" || raw === "system") return { seconds: 0 };
  if (typeof raw !== "string" && typeof raw !== "number") return { error: "could not parse duration from input" };
  const parsed = parseDurationSeconds(String(raw));
  return "error" in parsed ? parsed : { seconds: Math.trunc(parsed.seconds) };
}

export function mountsRoutes(deps: MountsRouteDeps): SysRoute[] {
  return [
    { pattern: /^mounts\/?$/, handle: (req) => (req.operation === "read" ? listMounts(deps, req) : Promise.resolve(unsupported())) },
    {
      pattern: /^mounts\/(.+)\/tune\/?$/,
      handle: (req, m) => {
        if (req.operation === "read") return readTune(deps, req, sanitizePath(m[1]!));
        if (req.operation === "create" || req.operation === "update") return writeTune(deps, req, sanitizePath(m[1]!));
        return Promise.resolve(unsupported());
      },
    },
    {
      pattern: /^mounts\/(.+?)\/?$/,
      handle: (req, m) => {
        const point = sanitizePath(m[1]!);
        if (req.operation === "read") return readMount(deps, req, point);
        if (req.operation === "create" || req.operation === "update") return enableMount(deps, req, point);
        if (req.operation === "delete") return disableMount(deps, req, point);
        return Promise.resolve(unsupported());
      },
    },
  ];
}

async function listMounts(deps: MountsRouteDeps, req: LogicalRequest): Promise<Reply> {
  const data: Record<string, unknown> = {};
  for (const r of await mountRecords(deps.mounts())) if (r.table === "mounts") data[r.point] = mountInfo(r);
  return sysReply(req, data);
}

async function readMount(deps: MountsRouteDeps, req: LogicalRequest, point: string): Promise<Reply> {
  const record = matchingRecord(await mountRecords(deps.mounts()), point);
  if (!record) return errorReply(400, `No secret engine mount at ${point}`);
  return sysReply(req, mountInfo(record));
}

async function readTune(deps: MountsRouteDeps, req: LogicalRequest, point: string): Promise<Reply> {
  const record = matchingRecord(await mountRecords(deps.mounts()), point);
  if (!record) return errorReply(400, `cannot fetch sysview for path ${JSON.stringify(point)}`);
  return sysReply(req, tuneInfo(record));
}

/** What handleMount reads before it mounts: the type (aliases resolved), the options and the lease TTLs; or its 400. */
function enableRequest(body: unknown): { type: string; options: Record<string, string> | undefined; description: string; config: SecretsEngineEntry["config"] } | Reply {
  const b = bodyOf(EnableBody, body);
  const config = b.config ?? {};
  const ttl = (field: string, what: string): number | Reply => {
    const parsed = ttlOf(config[field]);
    return "error" in parsed ? errorReply(400, `unable to parse ${what} TTL of ${String(config[field])}: ${parsed.error}`) : parsed.seconds;
  };
  const def = ttl("default_lease_ttl", "default");
  if (typeof def !== "number") return def;
  const max = ttl("max_lease_ttl", "max");
  if (typeof max !== "number") return max;
  if (max !== 0 && def > max) return errorReply(400, "given default lease TTL greater than given max lease TTL");
  if (def > SYSTEM_MAX_TTL && max === 0) return errorReply(400, `given default lease TTL greater than system max lease TTL of ${SYSTEM_MAX_TTL}`);

  let type = b.type ?? "";
  if (type === "") return errorReply(400, "backend type must be specified as a string");
  if (type === "plugin") {
    const name = typeof config.plugin_name === "string" && config.plugin_name !== "" ? config.plugin_name : (b.plugin_name ?? "");
    if (name === "") return errorReply(400, "plugin_name must be provided for plugin backend");
    type = name;
  }
  let options = b.options ?? undefined;
  if (type === "kv-v1" || type === "kv-v2") {
    options = { ...options, version: type === "kv-v1" ? "1" : "2" };
    type = KV_TYPE;
  } else if (type !== KV_TYPE && options?.version) {
    return errorReply(400, `secrets engine ${JSON.stringify(type)} does not allow setting a version`);
  }
  const kept = { ...(def ? { default_lease_ttl: def } : {}), ...(max ? { max_lease_ttl: max } : {}) };
  return { type, options: options && Object.keys(options).length > 0 ? options : undefined, description: b.description ?? "", config: Object.keys(kept).length ? kept : undefined };
}

async function enableMount(deps: MountsRouteDeps, req: LogicalRequest, point: string): Promise<Reply> {
  const asked = enableRequest(req.body);
  if ("status" in asked) return asked;
  // vault/mount.go mount: protected paths, then singleton types, each 403.
  if (isProtectedMount(point)) return errorReply(403, `cannot mount ${JSON.stringify(point)}`);
  if (SINGLETON_TYPES.has(asked.type)) return errorReply(403, `mount type of ${JSON.stringify(asked.type)} is not mountable`);
  if (!MountPoint.safeParse(point).success) return errorReply(400, `invalid mount path ${JSON.stringify(point)}: a mount path is up to 8 segments of letters, digits, "_", "-" and "."`);

  const table = deps.mounts();
  const top = deps.writes.repo.top;
  const folder = point === DEFAULT_KV_MOUNT ? undefined : `${API_MOUNTS_FOLDER}/${point.slice(0, -1)}`;
  const entry: SecretsEngineEntry = {
    type: asked.type,
    ...(asked.description ? { description: asked.description } : {}),
    ...(asked.options ? { options: asked.options } : {}),
    ...(folder !== undefined ? { folder } : {}),
    ...(asked.config ? { config: asked.config } : {}),
  };
  // Decided under the file's lock, so that of two enables of one path exactly one wins.
  const refused = await editMounts(deps, req, `sys/mounts: enable ${point} (${describeEngine(entry)}, folder ${folder ?? table.defaultFolder})`, (text, engines) => {
    // mountInternal: a path that is, holds or lies below a mount is in use (409).
    const inUse = Object.keys(engines).find((p) => p.startsWith(point) || point.startsWith(p));
    if (inUse !== undefined) return errorReply(409, `path is already in use at ${inUse}`);
    // newLogicalBackend: a type the catalog lacks; a KV version the plugin has no backend for.
    if (!deps.engineTypes.includes(entry.type)) return errorReply(400, `plugin not found in the catalog: ${entry.type}`);
    if (entry.type === KV_TYPE && kvVersionOf(entry) === null) return errorReply(400, `nil backend of type ${entry.type} returned from creation function`);
    return folderRefusal(top, table.defaultFolder, point, entry, text) ?? withSecretsEngine(text, point, entry).text;
  });
  return refused ?? NO_CONTENT;
}

/**
 * One commit of the mounts file (commit-config.ts), by the request's token: `edit` runs under the
 * file's lock with its text (null: no file) and the engines in force, and answers the new text, null
 * for no change, or a refusal (then nothing is written). The refusal, or null.
 */
async function editMounts(
  deps: MountsRouteDeps,
  req: LogicalRequest,
  message: string,
  edit: (text: string | null, engines: Readonly<Record<string, SecretsEngineEntry>>) => string | null | Reply,
): Promise<Reply | null> {
  const outcome: { refused: Reply | null } = { refused: null };
  await commitConfig(
    deps.writes,
    [MOUNTS_FILE],
    (current) => {
      const text = current.get(MOUNTS_FILE) ?? null;
      const next = edit(text, secretsEngines(text === null ? {} : parseMountsFile(text)));
      if (next === null) return [];
      if (typeof next !== "string") {
        outcome.refused = next;
        return [];
      }
      return [{ path: MOUNTS_FILE, text: next }];
    },
    message,
    req.author,
  );
  return outcome.refused;
}

/** Why the new mount's folder cannot be used (another mount's folder holds it or lies in it; a link out of the tree), or null. */
function folderRefusal(top: string, defaultFolder: string, point: string, entry: SecretsEngineEntry, text: string | null): Reply | null {
  const next = withSecretsEngine(text, point, entry).file;
  const overlap = overlappingFolders(secretsEngines(next), defaultFolder);
  if (overlap) return errorReply(400, `cannot enable ${point}: ${describeOverlap(overlap)}`);
  const folder = entry.folder ?? defaultFolder;
  try {
    confinedPath(top, path.resolve(top, ...folder.split("/")), { shown: folder, rootName: "the work tree" });
  } catch {
    return errorReply(400, `cannot enable ${point}: its folder ${folder} is or goes through a symbolic link that leaves the work tree`);
  }
  return null;
}

function describeEngine(entry: SecretsEngineEntry): string {
  return entry.type === KV_TYPE ? `kv version ${kvVersionOf(entry) ?? "?"}` : entry.type;
}

async function disableMount(deps: MountsRouteDeps, req: LogicalRequest, point: string): Promise<Reply> {
  const record = matchingRecord(await mountRecords(deps.mounts()), point);
  // handleUnmount: success when nothing is mounted exactly there, so as not to say whether it was.
  if (!record || record.point !== point) return NO_CONTENT;
  // vault/mount.go unmount: protected paths (auth methods included) stay; handleError makes it a 400.
  if (record.builtin || isProtectedMount(point)) return errorReply(400, `cannot unmount ${JSON.stringify(point)}`);
  await editMounts(deps, req, `sys/mounts: disable ${point} (the files of ${record.folder ?? "its folder"} stay)`, (text, engines) =>
    point in engines ? withSecretsEngine(text, point, null).text : null,
  );
  return NO_CONTENT;
}

/** handleTuneWriteCommon for the fields this server keeps. */
async function writeTune(deps: MountsRouteDeps, req: LogicalRequest, point: string): Promise<Reply> {
  const b = bodyOf(TuneBody, req.body);
  const present = ["description", "default_lease_ttl", "max_lease_ttl", "options"].filter((f) => b[f] !== undefined && b[f] !== null);
  if (UNTUNABLE.some((p) => point.startsWith(p)) && present.length > 0) return errorReply(400, `cannot tune parameter ${present[0]!} of ${point}`);
  const record = matchingRecord(await mountRecords(deps.mounts()), point);
  if (!record) return errorReply(400, `tune of path ${JSON.stringify(point)} failed: no mount entry found`);
  if (record.builtin || record.table === "auth") return errorReply(400, `${record.point} cannot be tuned here: this server tunes only the secrets engines of ${MOUNTS_FILE}`);

  let warned: Reply | null = null;
  const refused = await editMounts(deps, req, `sys/mounts: tune ${record.point}`, (text, engines) => {
    const entry = engines[record.point];
    if (!entry) return errorReply(400, `tune of path ${JSON.stringify(point)} failed: no mount entry found`);
    const tuned = tunedEntry(entry, b);
    if ("status" in tuned) return tuned;
    if (tuned.warning) warned = sysReply(req, null, [tuned.warning]);
    return withSecretsEngine(text, record.point, tuned.entry).text;
  });
  return refused ?? warned ?? NO_CONTENT;
}

/** The entry after the tune, with the upgrade warning Vault answers (200) when KV goes from version 1 to 2; or the 400. */
function tunedEntry(entry: SecretsEngineEntry, b: z.output<typeof TuneBody>): { entry: SecretsEngineEntry; warning?: string } | Reply {
  const ttl = (raw: string | null | undefined, now: number): number | Reply => {
    if (raw === undefined || raw === null || raw === "") return now;
    const parsed = ttlOf(raw);
    return "error" in parsed ? errorReply(400, parsed.error) : parsed.seconds;
  };
  const def = ttl(b.default_lease_ttl, entry.config?.default_lease_ttl ?? 0);
  if (typeof def !== "number") return def;
  const max = ttl(b.max_lease_ttl, entry.config?.max_lease_ttl ?? 0);
  if (typeof max !== "number") return max;
  if (def !== 0 && max !== 0 && max < def) return errorReply(400, `backend max lease TTL of ${max} would be less than backend default lease TTL of ${def}`);

  let options = entry.options;
  let warning: string | undefined;
  if (b.options && Object.keys(b.options).length > 0) {
    const v = b.options.version;
    if (v !== undefined) {
      const from = entry.options?.version ? Number.parseInt(entry.options.version, 10) : 0;
      const to = Number.parseInt(v, 10);
      if (Number.isNaN(from) || Number.isNaN(to)) return errorReply(400, `unable to parse options: strconv.ParseInt: parsing ${JSON.stringify(Number.isNaN(to) ? v : entry.options?.version)}: invalid syntax`);
      if (to !== 1 && to !== 2) return errorReply(400, `invalid version provided: ${to}`);
      if (from > to) return errorReply(400, `cannot downgrade mount from version ${from}`);
      if (from < to) warning = `Upgrading mount from version ${from} to version ${to}. This mount will be unavailable for a brief period and will resume service shortly.`;
    }
    // An empty value removes an option, except `version`, which cannot be unset (a downgrade).
    const given = b.options;
    const merged = Object.fromEntries(
      [...Object.entries({ ...entry.options, ...given })].filter(([k, value]) => value !== "" || k === "version" || !(k in given)),
    );
    options = Object.keys(merged).length ? merged : undefined;
  }
  const config = { ...(def ? { default_lease_ttl: def } : {}), ...(max ? { max_lease_ttl: max } : {}) };
  const description = b.description ?? entry.description;
  // The entry's other fields (type, folder) stay as they are.
  const tuned: SecretsEngineEntry = { ...entry };
  delete tuned.description;
  delete tuned.options;
  delete tuned.config;
  if (description) tuned.description = description;
  if (options) tuned.options = options;
  if (Object.keys(config).length) tuned.config = config;
  return { entry: tuned, ...(warning ? { warning } : {}) };
}

