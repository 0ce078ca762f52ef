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
 *     folder: secrets/legacy   # repo-relative; required for any mount but secret/
 * auth:                    # below auth/ (jwt/ is auth/jwt/)
 *   jwt/:
 *     type: jwt
 * ```
 *
 * With no file, or a file without `secrets`, the server has Vault's dev-mode default: KV version 2
 * at `secret/`, over the workspace's secrets root. The token store (`auth/token/`), `sys/` and
 * `cubbyhole/` are built in and cannot be declared.
 */
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

/** Points a file may not declare: the built-in mounts and what Vault reserves (vault/mount.go protectedMounts). */
const RESERVED = [/^sys\//, /^auth\//, /^cubbyhole\//, /^identity\//, /^token\//];

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
    if (RESERVED.some((r) => r.test(point))) throw new SecretsError("config", `${MOUNTS_FILE}: ${point} is reserved for a built-in mount`);
  }
  return file;
}

/** The secret engines in force: the file's, or the default `secret/` when it declares none. */
export function secretsEngines(file: MountsFile): Record<string, SecretsEngineEntry> {
  return file.secrets ?? { [DEFAULT_KV_MOUNT]: { type: "kv", options: { version: "2" }, description: "key/value secret storage" } };
}
