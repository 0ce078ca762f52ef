/**
 * Where a JWT auth mount keeps what Vault keeps in its storage: in the repository, so that who may
 * log in, and with which policies, changes by pull request.
 *
 * ```
 * .secrets/auth/<mount>/config.yaml        auth/<mount>/config  (config-schema.ts)
 * .secrets/auth/<mount>/roles/<name>.yaml  auth/<mount>/role/<name>  (role-schema.ts)
 * ```
 *
 * `<mount>` is the mount path below `auth/` without its slash (`jwt`, or `jwt/github` for a nested
 * one); role names are Vault's (letters, digits, `_`, `-`, `.`, lower case). The files are read at
 * each request, parsed again only when they changed (a `stat`; src/io/cached-file.ts), so a pulled
 * commit applies at once. A file that does not parse answers kind `config` (500) naming it. Nothing
 * in these files is secret: public keys, URLs, claim names and policy names.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import { CachedFile } from "../../io/cached-file.js";
import { parseConfigFile, type JwtConfig } from "./config.js";
import { parseRoleFile, ROLE_NAME, type JwtRole } from "./role.js";

/** The folder of all auth methods' files, at the top of the work tree. */
export const AUTH_FOLDER = ".secrets/auth";

const ROLE_EXTENSION = ".yaml";

export class JwtMountFiles {
  readonly #top: string;
  /** Repo-relative, `/`-separated: `.secrets/auth/jwt`. */
  readonly folder: string;
  readonly #config: CachedFile<JwtConfig | null>;
  /** One cache per role file seen (per instance, as the mount that owns it). */
  readonly #roles = new Map<string, CachedFile<JwtRole | null>>();

  /** `repoTop`: the work tree's top; `mountPath`: the mount below `auth/`, with its slash (`jwt/`). */
  constructor(repoTop: string, mountPath: string) {
    this.#top = repoTop;
    this.folder = `${AUTH_FOLDER}/${mountPath.replace(/\/$/, "")}`;
    const configPath = this.configPath();
    this.#config = new CachedFile(this.#abs(configPath), (text) => parseConfigFile(text, configPath), () => null);
  }

  #abs(rel: string): string {
    return path.join(this.#top, ...rel.split("/"));
  }

  /** Repo-relative path of the configuration file. */
  configPath(): string {
    return `${this.folder}/config.yaml`;
  }

  /** Repo-relative path of role `name`'s file (the name as stored: lower case, checked by the caller). */
  rolePath(name: string): string {
    if (!ROLE_NAME.test(name)) throw new SecretsError("usage", `invalid role name ${JSON.stringify(name)}`);
    return `${this.folder}/roles/${name}${ROLE_EXTENSION}`;
  }

  /** The configuration now, or null when the mount has none. */
  config(): Promise<JwtConfig | null> {
    return this.#config.read();
  }

  /** Role `name` now (lower case), or null. */
  role(name: string): Promise<JwtRole | null> {
    if (!ROLE_NAME.test(name)) return Promise.resolve(null);
    const rel = this.rolePath(name);
    let file = this.#roles.get(rel);
    if (!file) {
      file = new CachedFile(this.#abs(rel), (text) => parseRoleFile(text, rel), () => null);
      this.#roles.set(rel, file);
    }
    return file.read();
  }

  /** The role names, sorted (files whose name is not a role name are not roles and are left out). */
  async roleNames(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await fsp.readdir(this.#abs(`${this.folder}/roles`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw new SecretsError("read-input", `could not read ${this.folder}/roles`, { cause: e });
    }
    return entries
      .filter((f) => f.endsWith(ROLE_EXTENSION))
      .map((f) => f.slice(0, -ROLE_EXTENSION.length))
      .filter((n) => ROLE_NAME.test(n) && n === n.toLowerCase())
      .sort();
  }
}
