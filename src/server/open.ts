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
import { ProcessGitLauncher } from "../git/launcher-process.js";
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
import { cubbyholeMount } from "./mounts/cubbyhole.js";
import { CubbyholeStore } from "./cubbyhole/store.js";
import { TokenRegistry } from "./token-registry.js";
import { kvFactory } from "./mounts/kv-factory.js";
import { RepositoryMountTable, type MountFactories } from "./config/mount-table.js";
import { sysMount } from "./mounts/sys-mount.js";
import { sysRoutes, type SysDeps } from "./mounts/sys-routes.js";
import { jwtAuthMount } from "./mounts/auth-jwt.js";
import { httpGet } from "../auth/jwt/http-get.js";
import { GitOperationMarks, recoverStaleGitLocks } from "../git/stale-locks.js";
import { FollowingCreationPolicy } from "./following-policy.js";
import { CheckoutPuller } from "./pull.js";
import { DirectoryLeaseStore } from "../leases/directory-store.js";
import { LeaseManager, type TidyReport } from "../leases/manager.js";
import { awsFactory } from "./mounts/aws.js";
import { databaseFactory, ServerEngines } from "./mounts/database.js";
import { pkiFactory } from "./mounts/pki.js";
import { identityMount } from "./mounts/identity.js";
import { identityFolder, RepositoryOidcConfig } from "../identity/files.js";
import { OidcIdentity } from "../identity/identity.js";

export interface OpenServerOptions {
  /** Where the checkout is (any folder inside it). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default: `<git dir>/secrets-server`. */
  stateDir?: string;
  /** `--audit-file`: a path, or a stream (the CLI passes stdout for `stdout`). */
  audit?: { file: string } | { stream: Writable; name: string };
  /** More token authorities, asked beside the server's own stores (root, `.secrets/tokens.yaml`, the runtime's). */
  tokenAuthorities?: readonly TokenAuthority[];
  /** `--pull-interval`: follow the branch's upstream (src/server/pull.ts), reporting through `report`. */
  pull?: { intervalMs: number; report: (message: string) => void };
  /**
   * Vault's `api_addr`: the identity tokens' issuer when `.secrets/engines/identity/oidc/config.yaml`
   * names none (`VAULT_API_ADDR` first, as Vault reads it). Asked per request: the CLI knows its
   * address only once it listens.
   */
  apiAddr?: () => string | undefined;
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
  /** The dynamic secrets' lease manager: closed on shutdown, after the last request (it holds the engines' connection pools). */
  leases: LeaseManager;
  /**
   * The reaper's sweep (src/server/lease-reaper.ts): the declared mounts are built first, so that
   * every engine the repository mounts is reaped before any request has reached it.
   */
  tidyLeases(now: number): Promise<TidyReport>;
}

/** The committer of every write (docs/server.md: the author is the token's display name, the committer the server). */
const SERVER_COMMITTER = { name: "secrets-serve", email: "server@secrets-serve" };

export async function openServer(options: OpenServerOptions): Promise<OpenedServer> {
  // Every git the server runs starts from a small helper process (git/launcher-process.ts): a fork
  // of the server itself would stall its event loop.
  const repo = { ...(await openRepo(options.cwd)), via: new ProcessGitLauncher() };
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
  // Tokens issued at run time (child tokens, logins) survive a restart in the state directory. A
  // child's parent may be the root token or a repository token, as well as another runtime token.
  const runtimeTokens = new RuntimeTokenStore(stateDir, {
    parents: { lookupAccessor: async (accessor, now) => (await root.authority.lookupAccessor(accessor)) ?? repositoryTokens.lookupAccessor(accessor, now) },
  });
  // Per-token private storage, encrypted, in the state directory; a token's goes when it ends.
  const cubbyholes = new CubbyholeStore({ stateDir, identities });
  const tokens: TokenRegistry = new TokenRegistry({
    root: root.authority,
    repository: repositoryTokens,
    runtime: runtimeTokens,
    writes,
    onTokensEnded: (live) => cubbyholes.sweep(live),
    // Called per request only for a login token; `table` exists by then.
    authMounted: async (point: string): Promise<boolean> => (await table.declared()).some((d) => d.kind === "auth" && d.point === point),
  });
  // Cubbyholes of tokens that ended while the server was stopped go now (not when sealed: no key
  // then, nor any need). A sweep that cannot learn which tokens live (a token file that does not
  // parse: every request answers 500 until it is mended) removes nothing and does not stop the start.
  if (!sealed) await tokens.sweep(sys.now()).catch(() => undefined);
  // The workspace's secrets root is the folder of `secret/` when the mounts file names none.
  const defaultFolder = relativeSlash(repo.top, workspace.secretsRoot());
  // Dynamic secrets: one lease manager, its records in the state directory (the CLI's default
  // too, so `secrets lease` in this checkout sees what the server issued); engines by mount.
  const engines = new ServerEngines();
  const leases = new LeaseManager({ engines, store: new DirectoryLeaseStore(stateDir) });
  const factories: MountFactories = {
    secrets: {
      kv: kvFactory({ repo, keys, writes, defaultFolder }),
      database: databaseFactory({ repoTop: repo.top, workspace, engines, leases, writes, stateDir }),
      aws: awsFactory({ repoTop: repo.top, workspace, engines, leases, env: options.env }),
      pki: pkiFactory({ writes, stateDir }),
    },
    auth: {
      jwt: ({ point }) => jwtAuthMount({ point, repoTop: repo.top, writes, tokens: runtimeTokens, get: httpGet }),
    },
  };
  const cubbyhole = cubbyholeMount({
    store: cubbyholes,
    live: async (token, now) => (await tokens.lookup(token, now)) !== null,
    sweep: (now) => tokens.sweep(now),
  });
  const authority = anyAuthority([tokens, ...(options.tokenAuthorities ?? [])]);
  const sysDeps: SysDeps = {
    state: sys,
    policies,
    mounts: () => mounts,
    audit,
    auditOptions: auditOptionsOf(options.audit),
    writes,
    tokens: authority,
    loginTokens: tokens,
    tokenByAccessor: (accessor, now) => tokens.lookupAccessor(accessor, now),
    declared: () => table.declared(),
    authTypes: Object.keys(factories.auth),
    engineTypes: Object.keys(factories.secrets),
    leases,
  };
  // identity/: OIDC tokens signed with the repository's keys (src/identity).
  const oidcConfig = new RepositoryOidcConfig({ folder: identityFolder(repo.top), workspace });
  const apiAddr = (): string | undefined => options.env.VAULT_API_ADDR || options.apiAddr?.();
  const identity = identityMount({ identity: new OidcIdentity({ config: oidcConfig, apiAddr }), config: oidcConfig, repoTop: repo.top, writes, keys: () => workspace.keys() });
  const table: RepositoryMountTable = new RepositoryMountTable(repo.top, [tokenMount({ tokens, policies }), cubbyhole, identity, sysMount(sysRoutes(sysDeps))], factories, defaultFolder);
  const mounts = table;
  const context: ServerContext = { sys, tokens: authority, policies, mounts, audit };
  const puller = options.pull ? new CheckoutPuller({ repo, writes, marks, intervalMs: options.pull.intervalMs, report: options.pull.report }) : null;
  const tidyLeases = async (now: number): Promise<TidyReport> => {
    // A mounts file that does not parse leaves the engines built so far; the records are tidied anyway.
    await table.declared().catch(() => undefined);
    return leases.tidy(now);
  };
  return { context, stateDir, recoveredLocks, puller, leases, tidyLeases, ...(root.generated ? { generatedRootToken: root.generated } : {}) };
}

async function openAudit(audit: NonNullable<OpenServerOptions["audit"]>, stateDir: string): Promise<AuditDevice> {
  const salts = new DirectorySaltStore(stateDir);
  if ("stream" in audit) return openAuditDevice({ path: audit.name, sink: new StreamSink(audit.stream, audit.name), salts });
  const sink = new FileSink(audit.file);
  // Opened now: a log that cannot be written stops the start, not the first request.
  await sink.open();
  return openAuditDevice({ path: "file", sink, salts });
}

/** What `sys/audit` lists as the device's options: its file, as given (`stdout` for the stream), as Vault's file device shows `file_path`. */
function auditOptionsOf(audit: OpenServerOptions["audit"]): Record<string, string> {
  if (!audit) return {};
  return { file_path: "stream" in audit ? audit.name : audit.file };
}
