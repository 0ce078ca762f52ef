/**
 * How a declared `kv` mount is built (the `kv` entry of the mount factories, mount-table.ts): the
 * KV plugin's choice by `options.version` (vault-plugin-secrets-kv backend.go Factory: "2" is
 * version 2, "1" or none is version 1), over the mount's folder (mounts-file.ts mountFolder).
 *
 * The folder is judged where it really is on every request (src/io/confine.ts, a `realpath` or two):
 * a folder that is, or goes through, a symbolic link out of the work tree would let the server
 * read and write files outside the repository, and a link can appear after the mount was built.
 * Such a mount answers 500 with the reason (kind `config`: the repository's state, not the
 * request, is at fault); the other mounts keep working.
 */
import path from "node:path";
import { SecretsError } from "../../errors.js";
import type { Repo } from "../../git/repo.js";
import { confinedPath } from "../../io/confine.js";
import type { KeySource } from "../../sops/keysource.js";
import { SYSTEM_DEFAULT_TTL } from "../../auth/tokens/ttl.js";
import type { MountDeclaration } from "../config/mount-table.js";
import { mountFolder, MOUNTS_FILE, type SecretsEngineEntry } from "../config/mounts-file.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { kv1Mount } from "./kv1.js";
import { kv2Mount } from "./kv2.js";
import type { Mount } from "./mount.js";

export interface KvFactoryDeps {
  readonly repo: Repo;
  /** The server's identity. */
  readonly keys: KeySource;
  /** The repository's one write context (commit queue and locks). */
  readonly writes: KvWriteContext;
  /** The folder of `secret/` when it names none: the workspace's secrets root, repo-relative. */
  readonly defaultFolder: string;
}

/** The KV versions the plugin has; any other `version` option is refused. */
export function kvVersionOf(entry: Pick<SecretsEngineEntry, "options">): 1 | 2 | null {
  const version = entry.options?.version ?? "";
  return version === "2" ? 2 : version === "1" || version === "" ? 1 : null;
}

export function kvFactory(deps: KvFactoryDeps): (d: MountDeclaration<SecretsEngineEntry>) => Mount {
  return ({ point, entry }) => {
    const version = kvVersionOf(entry);
    if (version === null) throw new SecretsError("config", `${MOUNTS_FILE}: ${point}: KV has versions 1 and 2, not ${JSON.stringify(entry.options?.version)}`);
    const folder = mountFolder(point, entry, deps.defaultFolder)!;
    const root = path.resolve(deps.repo.top, ...folder.split("/"));
    const base = { path: point, name: point.slice(0, -1), root, folder, repo: deps.repo, keys: deps.keys, writes: deps.writes };
    const mount = version === 2 ? kv2Mount(base) : kv1Mount({ ...base, defaultLeaseTtl: entry.config?.default_lease_ttl || SYSTEM_DEFAULT_TTL });
    return confinedToWorkTree(mount, deps.repo.top, root, folder);
  };
}

/** `mount`, checking before each use that its folder really lies inside the work tree. */
function confinedToWorkTree(mount: Mount, top: string, root: string, folder: string): Mount {
  const check = (): void => {
    try {
      confinedPath(top, root, { shown: folder, rootName: "the work tree" });
    } catch (e) {
      throw new SecretsError("config", `${MOUNTS_FILE}: ${mount.point}: its folder ${folder} is or goes through a symbolic link that leaves the work tree`, { cause: e });
    }
  };
  const exists = mount.exists?.bind(mount);
  const confined = (): boolean => {
    try {
      check();
      return true;
    } catch {
      return false;
    }
  };
  return {
    ...mount,
    // A folder out of the tree: the write's `update` lets it reach handle(), which says why.
    ...(exists ? { exists: (sub: string, token: string) => (confined() ? exists(sub, token) : Promise.resolve(true)) } : {}),
    handle: (req) => {
      check();
      return mount.handle(req);
    },
  };
}
