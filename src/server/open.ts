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
}

export interface OpenedServer {
  context: ServerContext;
  stateDir: string;
  /** The root token in clear, only when this start generated it. */
  generatedRootToken?: string;
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
  const context: ServerContext = {
    sys: { sealed, version: VERSION, clusterName: cluster.name, clusterId: cluster.id, now: () => Math.floor(Date.now() / 1000) },
    tokens: anyAuthority([root.authority, new RepositoryTokenStore(path.join(repo.top, REPOSITORY_TOKEN_FILE)), ...(options.tokenAuthorities ?? [])]),
    policies: new RepositoryPolicies(repo.top),
    kv: sealed ? null : { path: "secret/", name: "secret", root: workspace.secretsRoot(), folder: relativeSlash(repo.top, workspace.secretsRoot()), repo, keys: await workspace.keys(), writes: createKvWriteContext({ repo, workspace, committer: SERVER_COMMITTER }) },
    audit,
  };
  return { context, stateDir, ...(root.generated ? { generatedRootToken: root.generated } : {}) };
}

async function openAudit(audit: NonNullable<OpenServerOptions["audit"]>, stateDir: string): Promise<AuditDevice> {
  const salts = new DirectorySaltStore(stateDir);
  if ("stream" in audit) return openAuditDevice({ path: audit.name, sink: new StreamSink(audit.stream, audit.name), salts });
  const sink = new FileSink(audit.file);
  // Opened now: a log that cannot be written stops the start, not the first request.
  await sink.open();
  return openAuditDevice({ path: "file", sink, salts });
}
