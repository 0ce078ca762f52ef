/**
 * `.secrets/mounts.yaml`: the server's secret engines (Vault's `sys/mounts`) and auth methods
 * (`sys/auth`), reviewed by pull request like everything else the server serves. Written by hand,
 * or by `sys/mounts/:path` and `sys/auth/:path` through the API (each write a commit,
 * commit-config.ts). Nothing in it is secret.
 *
 * ```yaml
 * secrets:                 # mount point (with its slash) → engine
 *   secret/:
 *     type: kv
 *     options: {version: "2"}
 *     description: key/value secret storage
 *   legacy/:
 *     type: kv             # no version, or "1": Vault's KV version 1
 *     folder: legacy       # repo-relative; required for any mount but secret/
 *     config: {default_lease_ttl: 3600}   # seconds (sys/mounts/:path/tune)
 * auth:                    # below auth/ (jwt/ is auth/jwt/)
 *   jwt/:
 *     type: jwt
 * ```
 *
 * With no file, or a file without `secrets`, the server has Vault's dev-mode default: KV version 2
 * at `secret/`, over the workspace's secrets root. The token store (`auth/token/`), `sys/` and
 * `cubbyhole/` are built in and cannot be declared.
 *
 * A mount's folder is confined to the work tree, and no mount's folder may hold another's (the
 * same file would then be two secrets, with two metadata files deciding its versions): such a file
 * is refused as a whole ({@link checkMountFolders}).
 */
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";

/** The file, at the top of the work tree. */
export const MOUNTS_FILE = ".secrets/mounts.yaml";

/** The built-in default mount: Vault's `secret/` as its dev server enables it. */
export const DEFAULT_KV_MOUNT = "secret/";

/**
 * A mount point as Vault's router takes one, with its trailing slash: segments of letters,
 * digits, `_`, `-` and `.`, never `.`/`..`, at most 8 deep.
 */
export const MountPoint = z
  .string()
  .regex(/^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/){1,8}$/, "a mount point is one or more path segments, each ending with /")
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "a mount point has no . or .. segment");

export const SecretsEngineEntry = z.strictObject({
  type: z.string().min(1),
  description: z.string().optional(),
  /** Engine options as Vault keeps them: strings (`version: "2"` for KV version 2). */
  options: z.record(z.string(), z.string()).optional(),
  /** Repo-relative, `/`-separated folder holding the mount's files (engines that have files). */
  folder: z.string().min(1).optional(),
  /** Vault's mount config that this server keeps: lease TTLs in seconds, 0 or absent for the system's (768h). */
  config: z
    .strictObject({
      default_lease_ttl: z.number().int().min(0).optional(),
      max_lease_ttl: z.number().int().min(0).optional(),
    })
    .optional(),
});
export type SecretsEngineEntry = z.infer<typeof SecretsEngineEntry>;

export const AuthMethodEntry = z.strictObject({
  type: z.string().min(1),
  description: z.string().optional(),
});
export type AuthMethodEntry = z.infer<typeof AuthMethodEntry>;

export const MountsFile = z.strictObject({
  secrets: z.record(MountPoint, SecretsEngineEntry).optional(),
  auth: z.record(MountPoint, AuthMethodEntry).optional(),
});
export type MountsFile = z.infer<typeof MountsFile>;

/** vault/mount.go protectedMounts: no secrets engine may be mounted at or below these. */
export const PROTECTED_MOUNTS = ["audit/", "auth/", "sys/", "cubbyhole/", "identity/"] as const;

/** Whether `point` is at or below a protected mount (vault/mount.go mount: strings.HasPrefix). */
export function isProtectedMount(point: string): boolean {
  return PROTECTED_MOUNTS.some((p) => point.startsWith(p));
}

/** The parsed file; kind `config` (naming the file and the field) when it is not YAML or breaks the schema. */
export function parseMountsFile(text: string): MountsFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new SecretsError("config", `${MOUNTS_FILE} is not valid YAML`, { cause: e });
  }
  const file = parseWith(MountsFile, raw, ([issue]) => new SecretsError("config", `${MOUNTS_FILE}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
  for (const point of Object.keys(file.secrets ?? {})) {
    if (isProtectedMount(point)) throw new SecretsError("config", `${MOUNTS_FILE}: ${point} is reserved for a built-in mount`);
  }
  return file;
}

/** The secret engines in force: the file's, or the default `secret/` when it declares none. */
export function secretsEngines(file: MountsFile): Record<string, SecretsEngineEntry> {
  return file.secrets ?? { [DEFAULT_KV_MOUNT]: { type: "kv", options: { version: "2" }, description: "key/value secret storage" } };
}

/** The engine type whose mounts map to folders. */
export const KV_TYPE = "kv";

/**
 * The folder a secrets engine's files live in, repo-relative and `/`-separated: its `folder`, or
 * for `secret/` without one the workspace's secrets root (`defaultFolder`). Kind `config` for a kv
 * mount without a folder, and for a folder that is absolute or leaves the work tree by `..`
 * (symbolic links are judged when the mount is used: kv-factory.ts). Null for an engine without files.
 */
export function mountFolder(point: string, entry: SecretsEngineEntry, defaultFolder: string): string | null {
  if (entry.folder === undefined) {
    if (entry.type !== KV_TYPE) return null;
    if (point === DEFAULT_KV_MOUNT) return defaultFolder;
    throw new SecretsError("config", `${MOUNTS_FILE}: ${point} needs a folder`);
  }
  const folder = path.posix.normalize(entry.folder).replace(/\/+$/, "");
  if (path.posix.isAbsolute(folder) || folder === "." || folder === ".." || folder.startsWith("../")) {
    throw new SecretsError("config", `${MOUNTS_FILE}: ${point}: folder ${JSON.stringify(entry.folder)} is not inside the work tree`);
  }
  return folder;
}

/** Whether folder `a` is `b` or holds it (segment-wise: `kv/a` does not hold `kv/ab`). */
function holds(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}/`);
}

/**
 * The first two mounts of `engines` whose folders are the same or one inside the other, or null.
 * Refused because a file below both would be a secret of each mount, its versions decided by two
 * `.kv-metadata.yaml` files, and a list of the outer mount would show the inner one's secrets.
 */
export function overlappingFolders(engines: Readonly<Record<string, SecretsEngineEntry>>, defaultFolder: string): { outer: string; inner: string; outerFolder: string; innerFolder: string } | null {
  const folders = Object.entries(engines).flatMap(([point, entry]) => {
    const folder = mountFolder(point, entry, defaultFolder);
    return folder === null ? [] : [{ point, folder }];
  });
  for (const a of folders) {
    for (const b of folders) {
      if (a !== b && holds(a.folder, b.folder)) return { outer: a.point, inner: b.point, outerFolder: a.folder, innerFolder: b.folder };
    }
  }
  return null;
}

/** Kind `config` when two mounts of the file in force share folders ({@link overlappingFolders}). */
export function checkMountFolders(file: MountsFile, defaultFolder: string): void {
  const overlap = overlappingFolders(secretsEngines(file), defaultFolder);
  if (overlap) throw new SecretsError("config", `${MOUNTS_FILE}: ${describeOverlap(overlap)}`);
}

/** The overlap in words, for the file's error and for `sys/mounts` refusing one. */
export function describeOverlap(o: NonNullable<ReturnType<typeof overlappingFolders>>): string {
  const what = o.outerFolder === o.innerFolder ? `${o.outer} and ${o.inner} have the same folder (${o.outerFolder})` : `the folder of ${o.outer} (${o.outerFolder}) holds the folder of ${o.inner} (${o.innerFolder})`;
  return `${what}; a mount's folder may not hold another mount's`;
}
