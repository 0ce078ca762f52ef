import { existsSync } from "node:fs";
import path from "node:path";
import type { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import type { SecretMetadata, SecretValue, SecretsClientStats } from "../secrets/types.js";
import { fromPlain } from "../sops/tree.js";
import { Workspace } from "../workspace/workspace.js";
import type { SecretsBackend } from "./backend.js";
import type { DynamicBackend } from "./dynamic.js";
import { keySourceFromIdentities } from "./keys.js";
import { LocalDynamic } from "./local-dynamic.js";

/** The options that choose the repository's files. */
export interface LocalOptions {
  root?: string;
  identities?: string[];
  cwd?: string;
}

/**
 * The SDK over the repository's files: a SecretRepository of the root, with its per-file cache of
 * decrypted files (read again when a file changes on disk) and its write lock.
 */
export class LocalBackend implements SecretsBackend {
  readonly #repo: SecretRepository;
  readonly #dynamic: LocalDynamic;

  /** `checkout`: a folder of the git checkout whose engines and state directory dynamic secrets use. */
  constructor(repo: SecretRepository, workspace: Workspace, checkout: string) {
    this.#repo = repo;
    this.#dynamic = new LocalDynamic(checkout, workspace);
  }

  /** The repository of the root the options name, with the identities given or sops' lookup. */
  static async open(o: LocalOptions): Promise<LocalBackend> {
    const cwd = path.resolve(o.cwd ?? process.cwd());
    const root = resolveRoot({ root: o.root, cwd });
    // The config is found from the secrets root, so that the client works whatever the process's
    // working directory is.
    const ws = new Workspace({ startDir: root, env: process.env, keys: o.identities !== undefined ? keySourceFromIdentities(o.identities) : undefined });
    // The checkout is the secrets root's (a root not made yet: the working directory's).
    return new LocalBackend(await ws.repository(root), ws, existsSync(root) ? root : cwd);
  }

  get(p: string): Promise<SecretValue> {
    return this.#repo.read(p);
  }

  getMany(paths: readonly string[]): Promise<Map<string, SecretValue>> {
    return this.#repo.readMany(paths);
  }

  async getMetadata(p: string): Promise<SecretMetadata | undefined> {
    return (await this.#repo.readEntry(p)).metadata;
  }

  set(p: string, value: SecretValue, metadata: SecretMetadata | undefined): Promise<void> {
    return this.#repo.write(p, fromPlain(value), metadata);
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.#repo.list(prefix)).map((e) => e.path);
  }

  root(): string {
    return this.#repo.root;
  }

  stats(): SecretsClientStats {
    return this.#repo.stats();
  }

  clearCache(): void {
    this.#repo.clearCache();
  }

  dynamic(): DynamicBackend {
    return this.#dynamic;
  }

  close(): void {
    // Files are read when asked for; only the engines' database pools are held open (and those
    // let the process exit when idle).
    void this.#dynamic.close().catch(() => undefined);
  }
}
