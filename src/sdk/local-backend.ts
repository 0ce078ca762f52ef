import path from "node:path";
import type { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import type { SecretMetadata, SecretValue, SecretsClientStats } from "../secrets/types.js";
import { fromPlain } from "../sops/tree.js";
import { Workspace } from "../workspace/workspace.js";
import type { SecretsBackend } from "./backend.js";
import { keySourceFromIdentities } from "./keys.js";

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

  constructor(repo: SecretRepository) {
    this.#repo = repo;
  }

  /** The repository of the root the options name, with the identities given or sops' lookup. */
  static async open(o: LocalOptions): Promise<LocalBackend> {
    const cwd = path.resolve(o.cwd ?? process.cwd());
    const root = resolveRoot({ root: o.root, cwd });
    // The config is found from the secrets root, so that the client works whatever the process's
    // working directory is.
    const ws = new Workspace({ startDir: root, env: process.env, keys: o.identities !== undefined ? keySourceFromIdentities(o.identities) : undefined });
    return new LocalBackend(await ws.repository(root));
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

  close(): void {
    // Nothing is held open: files are read when asked for.
  }
}
