/**
 * A mount: the backend that answers every path below its mount point (Vault's router,
 * vault/router.go: the mount whose path is the longest prefix of the request's path answers it).
 * The pipeline in handler.ts does everything before a mount runs — the seal, the token, the ACL,
 * the audit request line — and hands the mount a {@link LogicalRequest} whose path is relative
 * to the mount point. A mount never writes to the HTTP response: it returns a {@link Reply}.
 */
import type { Acl, Operation } from "../../auth/policy/index.js";
import type { TokenInfo } from "../../auth/tokens/authority.js";
import type { GitIdentity } from "../kv/commit-queue.js";
import type { Reply } from "../reply.js";

/** A request as a mount sees it (sdk/logical.Request, the fields this server uses). */
export interface LogicalRequest {
  /** The request id, shared with the audit lines and returned as `request_id`. */
  readonly id: string;
  readonly operation: Operation;
  /** Below the mount point, no leading slash; a list's ends with `/` (or is "" for the mount's top). */
  readonly path: string;
  /** The whole path below `/v1/`, as the ACL saw it. */
  readonly fullPath: string;
  readonly query: URLSearchParams;
  /** The JSON body of a POST, PUT or PATCH (null: none). */
  readonly body: unknown;
  /** The request's token; undefined only on a path the mount declares unauthenticated. */
  readonly token: string | undefined;
  /** Who the token is; null only on an unauthenticated path. */
  readonly info: TokenInfo | null;
  /** The ACL of the token's policies (capabilities-self, sudo checks); null when unauthenticated. */
  readonly acl: Acl | null;
  /** The token's display name as a git author, for writes that commit. */
  readonly author: GitIdentity;
  /** Unix seconds at which the request was received. */
  readonly now: number;
  /** The client's address, as the audit log records it. */
  readonly remoteAddress: string | undefined;
}

export interface Mount {
  /** The mount point, with its trailing slash (`secret/`, `auth/token/`, `sys/`). */
  readonly point: string;
  /** The mount's type as `mount_type` and the audit log name it (`kv`, `token`, `system`, `jwt`). */
  readonly type: string;
  /**
   * Whether `path` (below the mount) already exists, for a POST/PUT: Vault makes the write a
   * `create` when it does not, so that a policy can grant creating without overwriting
   * (vault/request_handling.go, the backend's ExistenceCheck). A mount without it leaves every
   * write an `update`. `token` is the request's (a cubbyhole's keys are the token's own).
   */
  exists?(path: string, token: string): Promise<boolean>;
  /**
   * Whether `path` (below the mount) is answered without a token: login endpoints
   * (logical.Paths.Unauthenticated). Such a request skips the token and the ACL; it is still audited.
   */
  unauthenticated?(path: string): boolean;
  /**
   * Whether `path` (below the mount) is root-protected (logical.Paths.Root): the ACL then allows
   * the request only when the rule that matches it also grants `sudo` (vault/request_handling.go
   * CheckToken, router.RootPath). A mount without it has no such path.
   */
  sudoRequired?(path: string): boolean;
  /** The answer. A thrown SecretsError becomes its kind's status with its message (handler.ts). */
  handle(req: LogicalRequest): Promise<Reply>;
}

/** The mounts of one server. Looked up per request, so that a table read from the repository can follow new commits. */
export interface MountTable {
  /** The mount for `path` (below `/v1/`): the one whose point is the longest prefix of it, or whose point is `path` + `/`; null for none. */
  resolve(path: string): Promise<Mount | null>;
  /** Every mount, in the order of their points. */
  all(): Promise<readonly Mount[]>;
}

/** Whether `mount` answers `path`: below its point, or its point without the trailing slash. */
export function mountAnswers(mount: Pick<Mount, "point">, path: string): boolean {
  return path.startsWith(mount.point) || path === mount.point.slice(0, -1);
}

/** The mount among `mounts` that answers `path` with the longest point (vault/router.go uses a radix tree's longest prefix). */
export function longestMount<M extends Pick<Mount, "point">>(mounts: readonly M[], path: string): M | null {
  let best: M | null = null;
  for (const m of mounts) if (mountAnswers(m, path) && (best === null || m.point.length > best.point.length)) best = m;
  return best;
}

/** A table of mounts fixed at start. */
export function staticMounts(mounts: readonly Mount[]): MountTable {
  const sorted = [...mounts].sort((a, b) => (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
  return { resolve: (path) => Promise.resolve(longestMount(sorted, path)), all: () => Promise.resolve(sorted) };
}

/** The path below `mount` (no leading slash; "" for the mount's own path). */
export function belowMount(mount: Mount, path: string): string {
  return path.startsWith(mount.point) ? path.slice(mount.point.length) : "";
}
