/**
 * A lease manager for a checkout, with no server: what the CLI uses (and the SDK's local mode
 * will). The engines are the ones the repository configures under `.secrets/engines/` (the
 * database engine at `database/`, the AWS engine at `aws/`), their connection files opened with the workspace's
 * identities; the records go to the state directory `secrets serve` uses by default
 * (`<git dir>/secrets-server`), so that a server started in the same checkout lists, renews,
 * revokes and reaps what the CLI issued, and the other way round.
 */
import path from "node:path";
import { RepositoryAwsConfig } from "../engines/aws/config-files.js";
import { AwsEngine } from "../engines/aws/engine.js";
import { webIdentityTokenFromEnv } from "../engines/aws/web-identity.js";
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

/** The AWS engine's mount point, as Vault's `vault secrets enable aws`. */
export const AWS_MOUNT = "aws";

export interface LocalLeasesOptions {
  /** Where the work tree is looked for (git's top level from here). */
  cwd: string;
  /** Whose identities open the engines' connection files. */
  workspace: Workspace;
  /** The state directory (relative to `cwd`); default `<git dir>/secrets-server`. */
  stateDir?: string;
  retry?: RetryPolicy;
  /**
   * The environment the AWS engine reads a web identity token from when its root configuration has
   * no key (`AWS_WEB_IDENTITY_TOKEN_FILE`, GitHub Actions' OIDC request variables); none: no token.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function openLocalLeases(options: LocalLeasesOptions): Promise<{ manager: LeaseManager; top: string; stateDir: string }> {
  const repo = await openRepo(options.cwd);
  const stateDir = options.stateDir ? path.resolve(options.cwd, options.stateDir) : await gitPath(repo, "secrets-server");
  const database = new DatabaseEngine({
    mount: DATABASE_MOUNT,
    config: new RepositoryDatabaseConfig({ folder: engineFolder(repo.top, DATABASE_MOUNT), workspace: options.workspace }),
  });
  const aws = new AwsEngine({
    mount: AWS_MOUNT,
    config: new RepositoryAwsConfig({ folder: engineFolder(repo.top, AWS_MOUNT), workspace: options.workspace }),
    ...(options.env ? { webIdentityToken: webIdentityTokenFromEnv(options.env) } : {}),
  });
  const manager = new LeaseManager({ engines: engineTable([database, aws]), store: new DirectoryLeaseStore(stateDir), ...(options.retry ? { retry: options.retry } : {}) });
  return { manager, top: repo.top, stateDir };
}
