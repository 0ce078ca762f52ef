/**
 * The server's mounts as the repository declares them (mounts-file.ts), followed per request: a
 * commit that adds a mount (pulled, merged, or written through `sys/mounts`) is served at once,
 * at the cost of a `stat` of the file. Mounts are built by engine factories, one per engine type,
 * and kept while their entry is unchanged, so a mount's caches survive unrelated edits.
 *
 * A file that does not parse makes every request answer 500 with the file's error (kind
 * `config`) rather than silently serving another set of mounts.
 */
import path from "node:path";
import { CachedFile } from "../../io/cached-file.js";
import { SecretsError } from "../../errors.js";
import { longestMount, type Mount, type MountTable } from "../mounts/mount.js";
import { checkMountFolders, MOUNTS_FILE, parseMountsFile, secretsEngines, type AuthMethodEntry, type MountsFile, type SecretsEngineEntry } from "./mounts-file.js";

/** A declared mount as a factory receives it. */
export interface MountDeclaration<E> {
  /** The full mount point: `secret/`, or `auth/jwt/` for an auth method. */
  readonly point: string;
  readonly entry: E;
}

/** How the server builds a mount of each type it has (open.ts supplies them). */
export interface MountFactories {
  /** By secret engine type (`kv`); the factory reads the entry's options (KV `version`). */
  readonly secrets: Readonly<Record<string, (d: MountDeclaration<SecretsEngineEntry>) => Mount>>;
  /** By auth method type (`jwt`). */
  readonly auth: Readonly<Record<string, (d: MountDeclaration<AuthMethodEntry>) => Mount>>;
}

/** One declared mount with what was declared (sys/mounts and sys/auth list these). */
export interface DeclaredMount {
  readonly kind: "secrets" | "auth";
  readonly point: string;
  readonly entry: SecretsEngineEntry | AuthMethodEntry;
  readonly mount: Mount;
}

export class RepositoryMountTable implements MountTable {
  readonly #file: CachedFile<MountsFile>;
  readonly #builtin: readonly Mount[];
  readonly #factories: MountFactories;
  /** The mounts built for the entries last seen, by `kind point` and the entry's JSON. */
  #built = new Map<string, { json: string; mount: DeclaredMount }>();
  /** The file last checked for overlapping folders (CachedFile returns the same object while the file is unchanged). */
  #checked: MountsFile | undefined;

  /**
   * `repoTop`: the work tree's top; `builtin`: `sys/`, `auth/token/`, `cubbyhole/` (never declared);
   * `defaultFolder`: the folder of `secret/` when it names none (repo-relative: the workspace's
   * secrets root), for the check that no two mounts share files.
   */
  constructor(
    repoTop: string,
    builtin: readonly Mount[],
    factories: MountFactories,
    readonly defaultFolder = "secrets",
  ) {
    this.#file = new CachedFile(path.join(repoTop, ...MOUNTS_FILE.split("/")), parseMountsFile, () => ({}));
    this.#builtin = builtin;
    this.#factories = factories;
  }

  /** The built-in mounts, as given. */
  builtins(): readonly Mount[] {
    return this.#builtin;
  }

  /**
   * The declared mounts now, each built once per distinct entry. Kind `config` for a file that does
   * not parse, names an engine this server lacks, or gives two mounts overlapping folders.
   */
  async declared(): Promise<readonly DeclaredMount[]> {
    const file = await this.#file.read();
    if (this.#checked !== file) {
      checkMountFolders(file, this.defaultFolder);
      this.#checked = file;
    }
    const next = new Map<string, { json: string; mount: DeclaredMount }>();
    const add = <E extends SecretsEngineEntry | AuthMethodEntry>(kind: "secrets" | "auth", point: string, entry: E, make: ((d: MountDeclaration<E>) => Mount) | undefined): void => {
      if (!make) throw new SecretsError("config", `${MOUNTS_FILE}: ${point} is of type ${JSON.stringify(entry.type)}, which this server does not have`);
      const key = `${kind} ${point}`;
      const json = JSON.stringify(entry);
      const seen = this.#built.get(key);
      next.set(key, seen?.json === json ? seen : { json, mount: { kind, point, entry, mount: make({ point, entry }) } });
    };
    for (const [point, entry] of Object.entries(secretsEngines(file))) add("secrets", point, entry, this.#factories.secrets[entry.type]);
    for (const [point, entry] of Object.entries(file.auth ?? {})) add("auth", `auth/${point}`, entry, this.#factories.auth[entry.type]);
    this.#built = next;
    return [...next.values()].map((v) => v.mount);
  }

  async resolve(p: string): Promise<Mount | null> {
    return longestMount(await this.all(), p);
  }

  async all(): Promise<readonly Mount[]> {
    const mounts = [...this.#builtin, ...(await this.declared()).map((d) => d.mount)];
    return mounts.sort((a, b) => (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
  }
}
