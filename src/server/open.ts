/**
 * Everything a server needs, opened from a checkout: the repository, the server's identity (found
 * as the CLI finds one: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the default key file…), the state
 * directory (by default `secrets-server/` inside the repository's git directory, so that it is per
 * checkout and never committed), the root token, the cluster identity, the policies and the audit
 * device. Nothing is printed here: the CLI says what it likes with the result.
 */
import path from "node:path";
import type { Writable } from "node:stream";
import { DirectorySaltStore, FileSink, openAuditDevice, StreamSink, type AuditDevice } from "../audit-log/index.js";
import type { TokenAuthority } from "../auth/tokens/authority.js";
import { REPOSITORY_TOKEN_FILE } from "../auth/tokens/repository-file.js";
import { RepositoryTokenStore } from "../auth/tokens/repository-store.js";
import { RuntimeTokenStore } from "../auth/tokens/runtime-store.js";
import { gitPath, openRepo } from "../git/repo.js";
import { loadIdentities } from "../keys/identities.js";
import { VERSION } from "../version.js";
import { Workspace } from "../workspace/workspace.js";
import { ensureClusterIdentity } from "./cluster.js";
import { createKvWriteContext } from "./kv/write-context.js";
import { relativeSlash } from "./kv-files.js";
import type { ServerContext } from "./handler.js";
import { RepositoryPolicies } from "./policies.js";
import { ensureRootToken } from "./root-token.js";
import { anyAuthority } from "../auth/tokens/combined.js";
import { tokenMount } from "./mounts/auth-token.js";
import { kv2Mount } from "./mounts/kv2.js";
import type { MountTable } from "./mounts/mount.js";
import { RepositoryMountTable, type MountFactories } from "./config/mount-table.js";
import { DEFAULT_KV_MOUNT, MOUNTS_FILE } from "./config/mounts-file.js";
import { SecretsError } from "../errors.js";
import { sysMount } from "./mounts/sys-mount.js";
import { sysRoutes } from "./mounts/sys-routes.js";
import { GitOperationMarks, recoverStaleGitLocks } from "../git/stale-locks.js";
import { FollowingCreationPolicy } from "./following-policy.js";
import { CheckoutPuller } from "./pull.js";

export interface OpenServerOptions {
  /** Where the checkout is (any folder inside it). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default: `<git dir>/secrets-server`. */
  stateDir?: string;
  /** `--audit-file`: a path, or a stream (the CLI passes stdout for `stdout`). */
  audit?: { file: string } | { stream: Writable; name: string };
  /** More token stores, asked after the root token and the repository's `.secrets/tokens.yaml`. */
  tokenAuthorities?: readonly TokenAuthority[];
  /** `--pull-interval`: follow the branch's upstream (src/server/pull.ts), reporting through `report`. */
  pull?: { intervalMs: number; report: (message: string) => void };
}

export interface OpenedServer {
  context: ServerContext;
  stateDir: string;
  /** The root token in clear, only when this start generated it. */
  generatedRootToken?: string;
  /** Git lock files a killed server left, removed at this start (repo-relative; src/git/stale-locks.ts). */
  recoveredLocks: string[];
  /** With `pull`: the puller, not yet started (the CLI starts it once it listens, and stops it first on shutdown). */
  puller: CheckoutPuller | null;
}

/** The committer of every write (docs/server.md: the author is the token's display name, the committer the server). */
const SERVER_COMMITTER = { name: "secrets-serve", email: "server@secrets-serve" };

export async function openServer(options: OpenServerOptions): Promise<OpenedServer> {
  const repo = await openRepo(options.cwd);
  const stateDir = options.stateDir ? path.resolve(options.cwd, options.stateDir) : await gitPath(repo, "secrets-server");
  const workspace = new Workspace({ startDir: options.cwd, env: options.env });
  // Sealed: no identity at all. Then no secret route answers (503), as Vault sealed.
  const identities = await loadIdentities({ env: options.env });
  const sealed = identities.identities.length === 0;
  const [root, cluster] = await Promise.all([ensureRootToken(stateDir), ensureClusterIdentity(stateDir)]);
  const audit = options.audit ? await openAudit(options.audit, stateDir) : null;
  const keys = await workspace.keys();
  // Before anything writes: the git locks a killed server (this checkout's last) may have left.
  const recoveredLocks = await recoverStaleGitLocks(repo);
  const marks = new GitOperationMarks(repo);
  // New files follow the `.sops.yaml` as it is at each write, not as it was at start.
  const policy = new FollowingCreationPolicy(() => new Workspace({ startDir: options.cwd, env: options.env, keys }));
  const writes = createKvWriteContext({ repo, workspace: policy, committer: SERVER_COMMITTER, marks });
  const sys = { sealed, version: VERSION, clusterName: cluster.name, clusterId: cluster.id, now: () => Math.floor(Date.now() / 1000) };
  const policies = new RepositoryPolicies(repo.top);
  const repositoryTokens = new RepositoryTokenStore(path.join(repo.top, REPOSITORY_TOKEN_FILE));
  // Tokens issued at run time (child tokens, logins) survive a restart in the state directory.
  const runtimeTokens = new RuntimeTokenStore(stateDir, { parents: repositoryTokens });
  const factories: MountFactories = {
    secrets: {
      kv: ({ point, entry }) => {
        if ((entry.options?.version ?? "1") !== "2") throw new SecretsError("config", `${MOUNTS_FILE}: ${point}: KV version 1 mounts are not served yet`);
        const root = point === DEFAULT_KV_MOUNT && entry.folder === undefined ? workspace.secretsRoot() : folderOf(repo.top, point, entry.folder);
        return kv2Mount({ path: point, name: point.slice(0, -1), root, folder: relativeSlash(repo.top, root), repo, keys, writes });
      },
    },
    auth: {},
  };
  const mounts: MountTable = new RepositoryMountTable(repo.top, [tokenMount(), sysMount(sysRoutes({ state: sys, policies, mounts: () => mounts, audit }))], factories);
  const context: ServerContext = {
    sys,
    tokens: anyAuthority([root.authority, repositoryTokens, runtimeTokens, ...(options.tokenAuthorities ?? [])]),
    policies,
    mounts,
    audit,
  };
  const puller = options.pull ? new CheckoutPuller({ repo, writes, marks, intervalMs: options.pull.intervalMs, report: options.pull.report }) : null;
  return { context, stateDir, recoveredLocks, puller, ...(root.generated ? { generatedRootToken: root.generated } : {}) };
}

async function openAudit(audit: NonNullable<OpenServerOptions["audit"]>, stateDir: string): Promise<AuditDevice> {
  const salts = new DirectorySaltStore(stateDir);
  if ("stream" in audit) return openAuditDevice({ path: audit.name, sink: new StreamSink(audit.stream, audit.name), salts });
  const sink = new FileSink(audit.file);
  // Opened now: a log that cannot be written stops the start, not the first request.
  await sink.open();
  return openAuditDevice({ path: "file", sink, salts });
}

/** A declared mount's folder: required for every mount but the default one, confined to the work tree. */
function folderOf(top: string, point: string, folder: string | undefined): string {
  if (folder === undefined) throw new SecretsError("config", `${MOUNTS_FILE}: ${point} needs a folder`);
  const abs = path.resolve(top, ...folder.split("/"));
  const rel = path.relative(top, abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) throw new SecretsError("config", `${MOUNTS_FILE}: ${point}: folder ${JSON.stringify(folder)} is not inside the work tree`);
  return abs;
}
