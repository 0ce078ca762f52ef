/**
 * The server's mounts as Vault describes them: one {@link MountRecord} per mount (the built-in
 * ones, and those `.secrets/mounts.yaml` declares), and the bodies of `sys/mounts`,
 * `sys/mounts/:path`, `sys/mounts/:path/tune` and `sys/internal/ui/mounts` built from it.
 *
 * Field sets: vault/logical_system.go mountInfo (type, description, accessor, local, seal_wrap,
 * external_entropy_access, options, uuid, plugin_version, running_plugin_version, running_sha256,
 * config{default_lease_ttl, max_lease_ttl, force_no_cache, …}, deprecation_status for the plugins
 * the builtin registry knows) and handleTuneReadCommon. The TTLs in `mountInfo` are the mount's own
 * settings, 0 when unset (Vault's legacy format, which `vault secrets list -detailed` shows as
 * "system"), while tune answers the effective ones. The built-in mounts carry what
 * vault/mount.go requiredMountTable gives them (sys/ is seal-wrapped and passes `Accept` through,
 * cubbyhole/ is local).
 *
 * Accessors and UUIDs are random in Vault, made once per mount. Here a mount is a line of a
 * reviewed file, so they are derived from its path (`kv_` + 8 hex of a SHA-256): stable across
 * restarts and clones, different between mounts, and the same again if a mount is disabled and
 * enabled at the same path (which brings back the same files, too).
 */
import { createHash } from "node:crypto";
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from "../../auth/tokens/ttl.js";
import { VERSION } from "../../version.js";
import type { DeclaredMount, RepositoryMountTable } from "../config/mount-table.js";
import { mountFolder, type SecretsEngineEntry } from "../config/mounts-file.js";
import { longestMount, type Mount } from "./mount.js";

/** One mount as `sys/mounts` and `sys/auth` know it. */
export interface MountRecord {
  /** The full mount path, with its slash: `secret/`, `auth/token/`. */
  readonly point: string;
  /** Vault's table: secrets engines (`sys/mounts`) or auth methods (`sys/auth`). */
  readonly table: "mounts" | "auth";
  readonly type: string;
  readonly description: string;
  /** Go's nil map (JSON null) when the mount has none. */
  readonly options: Readonly<Record<string, string>> | null;
  readonly local: boolean;
  readonly sealWrap: boolean;
  /** Seconds; 0: the system's. */
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  /** `config.passthrough_request_headers` (sys/, identity/). */
  readonly passthroughRequestHeaders?: readonly string[];
  /** Built into the server (not from the file): cannot be tuned, enabled or disabled. */
  readonly builtin: boolean;
  /** Repo-relative folder of a mount that has files. */
  readonly folder?: string;
}

/** What vault/mount.go requiredMountTable (and the token store) give the built-in mounts, by type. */
const BUILTIN: Readonly<Record<string, Partial<MountRecord> & { description: string }>> = {
  system: { description: "system endpoints used for control, policy and debugging", sealWrap: true, passthroughRequestHeaders: ["Accept"] },
  cubbyhole: { description: "per-token private secret storage", local: true },
  identity: { description: "identity store", passthroughRequestHeaders: ["Authorization"] },
  token: { description: "token based credentials" },
};

/** Types the builtin plugin registry lists (and so reports `deprecation_status` for). */
const REGISTRY_TYPES: ReadonlySet<string> = new Set(["kv", "jwt"]);

/** Types built into Vault's core rather than shipped as plugins (`+builtin.vault`). */
const CORE_TYPES: ReadonlySet<string> = new Set(["system", "cubbyhole", "identity", "token"]);

function builtinRecord(m: Mount): MountRecord {
  const known = BUILTIN[m.type];
  return {
    point: m.point,
    table: m.point.startsWith("auth/") ? "auth" : "mounts",
    type: m.type,
    description: known?.description ?? "",
    options: null,
    local: known?.local ?? false,
    sealWrap: known?.sealWrap ?? false,
    defaultLeaseTtl: 0,
    maxLeaseTtl: 0,
    ...(known?.passthroughRequestHeaders ? { passthroughRequestHeaders: known.passthroughRequestHeaders } : {}),
    builtin: true,
  };
}

function declaredRecord(d: DeclaredMount, defaultFolder: string): MountRecord {
  const entry = d.entry as SecretsEngineEntry;
  const folder = d.kind === "secrets" ? mountFolder(d.point, entry, defaultFolder) : null;
  return {
    point: d.point,
    table: d.kind === "auth" ? "auth" : "mounts",
    type: entry.type,
    description: entry.description ?? "",
    options: entry.options ? { ...entry.options } : null,
    local: false,
    sealWrap: false,
    defaultLeaseTtl: entry.config?.default_lease_ttl ?? 0,
    maxLeaseTtl: entry.config?.max_lease_ttl ?? 0,
    builtin: false,
    ...(folder !== null ? { folder } : {}),
  };
}

/** Every mount now, built-in and declared, in the order of their paths. */
export async function mountRecords(table: RepositoryMountTable): Promise<MountRecord[]> {
  const declared = await table.declared();
  const records = [...table.builtins().map(builtinRecord), ...declared.map((d) => declaredRecord(d, table.defaultFolder))];
  return records.sort((a, b) => (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
}

/** The record of the mount that answers `path` (vault/router.go MatchingMountEntry: the longest prefix), or null. */
export function matchingRecord(records: readonly MountRecord[], path: string): MountRecord | null {
  return longestMount(records, path);
}

const hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** vault/mount.go generateMountAccessor's form, `<type>_<8 hex>` (`auth_<type>_…` for an auth method), derived from the path. */
export function accessorOf(r: MountRecord): string {
  return `${r.table === "auth" ? "auth_" : ""}${r.type}_${hex(`accessor ${r.point}`).slice(0, 8)}`;
}

/** A UUID's form (8-4-4-4-12 hex, RFC 9562 version 8: derived, not random) from the path. */
export function uuidOf(r: MountRecord): string {
  const h = hex(`uuid ${r.point}`);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The path of a record as its table keys it: below `auth/` for an auth method. */
export function tablePath(r: MountRecord): string {
  return r.table === "auth" ? r.point.slice("auth/".length) : r.point;
}

/** vault/logical_system.go mountInfo, for `sys/mounts`, `sys/mounts/:path` and the UI listing. */
export function mountInfo(r: MountRecord): Record<string, unknown> {
  const config: Record<string, unknown> = { default_lease_ttl: r.defaultLeaseTtl, max_lease_ttl: r.maxLeaseTtl, force_no_cache: false };
  if (r.passthroughRequestHeaders) config.passthrough_request_headers = [...r.passthroughRequestHeaders];
  if (r.table === "auth") config.token_type = "default-service";
  return {
    type: r.type,
    description: r.description,
    accessor: accessorOf(r),
    local: r.local,
    seal_wrap: r.sealWrap,
    external_entropy_access: false,
    options: r.options,
    uuid: uuidOf(r),
    plugin_version: "",
    running_plugin_version: `v${VERSION}+${CORE_TYPES.has(r.type) ? "builtin.vault" : "builtin"}`,
    running_sha256: "",
    ...(REGISTRY_TYPES.has(r.type) ? { deprecation_status: "supported" } : {}),
    config,
  };
}

/** vault/logical_system.go handleTuneReadCommon: the effective TTLs (the system's when unset). */
export function tuneInfo(r: MountRecord): Record<string, unknown> {
  return {
    description: r.description,
    default_lease_ttl: r.defaultLeaseTtl || SYSTEM_DEFAULT_TTL,
    max_lease_ttl: r.maxLeaseTtl || SYSTEM_MAX_TTL,
    force_no_cache: false,
    ...(r.table === "auth" ? { token_type: "default-service" } : {}),
    ...(r.passthroughRequestHeaders ? { passthrough_request_headers: [...r.passthroughRequestHeaders] } : {}),
    ...(r.options && Object.keys(r.options).length > 0 ? { options: { ...r.options } } : {}),
  };
}
