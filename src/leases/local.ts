/**
 * A lease manager for a checkout, with no server: what the CLI uses (and the SDK's local mode
 * will). The engines are the ones the repository configures under `.secrets/engines/` (the
 * database engine at `database/` now), their connection files opened with the workspace's
 * identities; the records go to the state directory `secrets serve` uses by default
 * (`<git dir>/secrets-server`), so that a server started in the same checkout lists, renews,
 * revokes and reaps what the CLI issued, and the other way round.
 */
import path from "node:path";
import { engineTable } from "../engines/engine.js";
import { engineFolder, RepositoryDatabaseConfig } from "../engines/postgres/config-files.js";
import { DatabaseEngine } from "../engines/postgres/engine.js";
import { gitPath, openRepo } from "../git/repo.js";
import type { Workspace } from "../workspace/workspace.js";
import { DirectoryLeaseStore } from "./directory-store.js";
import { LeaseManager } from "./manager.js";
import type { RetryPolicy } from "./retry.js";

/** The database engine's mount point (without its slash), as Vault's `vault secrets enable database`. */
export const DATABASE_MOUNT = "database";

export interface LocalLeasesOptions {
  /** Where the work tree is looked for (git's top level from here). */
  cwd: string;
  /** Whose identities open the engines' connection files. */
  workspace: Workspace;
  /** The state directory (relative to `cwd`); default `<git dir>/secrets-server`. */
  stateDir?: string;
  retry?: RetryPolicy;
}

export async function openLocalLeases(options: LocalLeasesOptions): Promise<{ manager: LeaseManager; top: string; stateDir: string }> {
  const repo = await openRepo(options.cwd);
  const stateDir = options.stateDir ? path.resolve(options.cwd, options.stateDir) : await gitPath(repo, "secrets-server");
  const database = new DatabaseEngine({
    mount: DATABASE_MOUNT,
    config: new RepositoryDatabaseConfig({ folder: engineFolder(repo.top, DATABASE_MOUNT), workspace: options.workspace }),
  });
  const manager = new LeaseManager({ engines: engineTable([database]), store: new DirectoryLeaseStore(stateDir), ...(options.retry ? { retry: options.retry } : {}) });
  return { manager, top: repo.top, stateDir };
}
