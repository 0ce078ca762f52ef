/**
 * One request through the server, in Vault's order (vault/request_handling.go handleRequest):
 * parse → sealed? (503 `Vault is sealed`, before any token is looked at) → the token (none: 403
 * `permission denied`; unknown or expired: 403 with `invalid token` too) → the ACL of its
 * policies on the request's operation and path, with `sudo` too on a mount's root-protected paths
 * (403, PERMISSION_DENIED_BODY) → the audit
 * request line → the mount → the audit response line → the answer.
 *
 * The audit request line is written before the request is handled, and a request whose line
 * cannot be written fails with 500 before anything happens (audit/broker: Vault refuses to serve
 * a request it cannot audit). Requests refused earlier are logged too, with their error. Unlike
 * Vault, sys/health, sys/seal-status and sys/leader are audited as well: every request is in the log.
 */
import type http from "node:http";
import type { AuditAuthInput, AuditDataValue, AuditDevice, AuditRequestInput, VaultOperation } from "../audit-log/index.js";
import { operationForHttp, PERMISSION_DENIED, PERMISSION_DENIED_BODY, type Acl, type Operation } from "../auth/policy/index.js";
import type { TokenAuthority, TokenInfo } from "../auth/tokens/authority.js";
import { isSecretsError } from "../errors.js";
import { tokenAuditAuth } from "./auth-block.js";
import { newRequestId } from "./envelope.js";
import { lingerOnClose } from "./http/list-method.js";
import { authorFor } from "./kv/commit-queue.js";
import { belowMount, type Mount, type MountTable } from "./mounts/mount.js";
import { handleHealth, handleLeader, handleSealStatus, type SysState } from "./mounts/sys.js";
import type { RepositoryPolicies } from "./policies.js";
import { errorReply, writeReply, type Reply } from "./reply.js";
import { carriesBody, parseRequest, patchContentTypeError, readBody, type ParsedRequest } from "./request.js";
import { decodeBody } from "./request-body.js";
import { BODY_TOO_LARGE_BODY, INTERNAL_ERROR_BODY, INVALID_TOKEN, INVALID_TOKEN_BODY, MISSING_TOKEN_BODY, multiError, noHandlerForRoute, SEALED, vaultMessageOf } from "./vault-errors.js";

export interface ServerContext {
  readonly sys: SysState;
  readonly tokens: TokenAuthority;
  readonly policies: RepositoryPolicies;
  /** The mounts below `/v1/` (KV, `auth/token/`, `sys/`); a sealed server has none that reaches a secret. */
  readonly mounts: MountTable;
  readonly audit: AuditDevice | null;
}

/** The endpoints Vault's mux answers before the logical router (http/handler.go): no token, no ACL, answered sealed too. */
const STATUS_ENDPOINTS: ReadonlyMap<string, (sys: SysState, method: string, query: URLSearchParams) => Reply> = new Map([
  ["sys/health", handleHealth],
  ["sys/seal-status", (sys: SysState, method: string) => handleSealStatus(sys, method)],
  ["sys/leader", (_sys: SysState, method: string) => handleLeader(method)],
]);

/** Go's http.NotFound, which Vault's mux answers for anything outside /v1/. */
const GO_NOT_FOUND = "404 page not found\n";
/** What Go's net/http writes for a request line it cannot parse (server.go), before closing the connection. */
const GO_BAD_REQUEST = "400 Bad Request";

function auditAuth(info: TokenInfo | null, token: string | undefined, allowed?: boolean): AuditAuthInput {
  if (!info) return {};
  return { ...tokenAuditAuth(token, info), ...(allowed !== undefined ? { policyResults: { allowed } } : {}) };
}

/** Query parameters as the request's data (Vault's parseQuery: the first value of each). */
function queryData(query: URLSearchParams): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of query) if (!(k in out)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The request's data for the audit log: a JSON object body (http/logical.go parses the body of a
 * write into req.Data), else the query. Its strings are HMAC'd there, a login's `jwt` among them.
 */
function requestData(body: unknown, query: URLSearchParams): Readonly<Record<string, AuditDataValue>> | undefined {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) return body as Record<string, AuditDataValue>;
  return queryData(query);
}

/**
 * The data the ACL's parameter rules (`allowed_parameters`, `denied_parameters`,
 * `required_parameters`) are checked against: Vault's req.Data, the same the audit log records —
 * the body of a write, the query of a read — less a `?list=` that made the request a LIST (http/logical.go
 * deletes it before parsing the query).
 */
function aclData(body: unknown, query: URLSearchParams, listByQuery: boolean): Readonly<Record<string, unknown>> {
  const data = requestData(body, query) ?? {};
  if (!listByQuery || !Object.hasOwn(data, "list")) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => k !== "list"));
}

const auditOperation = (method: string, op: Operation | undefined): VaultOperation => op ?? (method === "HEAD" ? "header" : "read");

class Pipeline {
  readonly id = newRequestId();
  operation: Operation | undefined;
  info: TokenInfo | null = null;
  allowed: boolean | undefined;
  mount: Mount | null = null;
  acl: Acl | null = null;
  /** The request's JSON body (null: none). */
  body: unknown = null;

  constructor(
    private readonly ctx: ServerContext,
    private readonly req: http.IncomingMessage,
    private readonly parsed: ParsedRequest,
  ) {}

  auditRequest(path: string): AuditRequestInput {
    return {
      id: this.id,
      operation: auditOperation(this.parsed.method, this.operation),
      path,
      clientToken: this.parsed.token,
      clientTokenAccessor: this.info?.accessor,
      mountPoint: this.mount?.point,
      mountType: this.mount?.type,
      data: requestData(this.body, this.parsed.query),
      remoteAddress: this.req.socket.remoteAddress,
      remotePort: this.req.socket.remotePort,
      headers: this.req.headers,
    };
  }

  /** Logs the request line; false when it could not be written (the caller answers 500). */
  async logRequest(path: string, error?: string): Promise<boolean> {
    if (!this.ctx.audit) return true;
    try {
      await this.ctx.audit.log({ type: "request", auth: auditAuth(this.info, this.parsed.token, this.allowed), request: this.auditRequest(path), ...(error ? { error } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  /** Logs the response line; false when it could not be written. */
  async logResponse(path: string, reply: Reply): Promise<boolean> {
    if (!this.ctx.audit) return true;
    try {
      await this.ctx.audit.log({
        type: "response",
        // A login's response line is about the token it issued (vault/request_handling.go returns the new auth).
        auth: reply.auditAuth ?? auditAuth(this.info, this.parsed.token, this.allowed),
        request: this.auditRequest(path),
        response: {
          ...(reply.auditAuth ? { auth: reply.auditAuth } : {}),
          ...(reply.auditData ? { data: reply.auditData } : {}),
          ...(reply.warnings ? { warnings: reply.warnings } : {}),
        },
        ...(reply.auditError ? { error: reply.auditError } : {}),
      });
      return true;
    } catch {
      return false;
    }
  }

  /** An answer decided before the mount ran: logged as both lines, with its error. */
  async refuse(path: string, reply: Reply): Promise<Reply> {
    if (!(await this.logRequest(path, reply.auditError))) return internalError();
    return (await this.logResponse(path, reply)) ? reply : internalError();
  }

  /** The mount's answer, between the two audit lines. A failure inside the mount is its kind's status, or 500. */
  async run(path: string, now: number, mount: Mount): Promise<Reply> {
    if (!(await this.logRequest(path))) return internalError();
    let reply: Reply;
    try {
      reply = await mount.handle({
        id: this.id,
        operation: this.operation!,
        path: belowMount(mount, path),
        fullPath: path,
        query: this.parsed.query,
        body: this.body,
        token: this.parsed.token,
        info: this.info,
        acl: this.acl,
        author: authorFor(this.info?.displayName ?? "anonymous"),
        now,
        remoteAddress: this.req.socket.remoteAddress,
      });
    } catch (e) {
      // The error's kind gives the status; its message is value-free by construction (src/errors.ts).
      reply = isSecretsError(e) ? errorReply(e.httpStatus, multiError(vaultMessageOf(e))) : errorReply(500, multiError("internal error"));
    }
    return (await this.logResponse(path, reply)) ? reply : internalError();
  }
}

const internalError = (): Reply => ({ status: 500, body: INTERNAL_ERROR_BODY, auditError: "internal error" });

/** The reply for `req`. Never rejects: a failure inside a mount is a 500 with Vault's error shape. */
export async function answer(ctx: ServerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<Reply & { head?: boolean }> {
  const outcome = parseRequest(req);
  if (!outcome.ok) {
    if (outcome.status === "not-api") return { status: 404, body: GO_NOT_FOUND };
    if (outcome.status === "bad-request-line") return { status: 400, body: GO_BAD_REQUEST };
    return errorReply(400, outcome.message);
  }
  const parsed = outcome.request;
  const p = new Pipeline(ctx, req, parsed);
  const bare = parsed.path.replace(/\/+$/, "");

  // The status endpoints: no token, no ACL (http/handler.go routes them outside handleLogical).
  const status = STATUS_ENDPOINTS.get(bare);
  if (status) return { ...(await p.refuse(bare, status(ctx.sys, parsed.method, parsed.query))), head: parsed.method === "HEAD" };

  const op = operationForHttp({ method: parsed.method, list: parsed.query.get("list") ?? undefined });
  if ("status" in op) return p.refuse(bare, op.status === 405 ? errorReply(405) : errorReply(400));
  p.operation = op.operation;
  // http/logical.go: a list's path ends with a slash; any other trailing slash names the same path.
  const path = op.operation === "list" ? `${bare}/` : bare;
  try {
    p.mount = await ctx.mounts.resolve(path);
  } catch (e) {
    // A mounts file that does not parse (or gives two mounts one folder): every request answers
    // its error (kind `config`, value-free by construction) rather than serving another set of mounts.
    if (isSecretsError(e)) return p.refuse(path, errorReply(e.httpStatus, multiError(e.message)));
    throw e;
  }

  if (parsed.method === "PATCH") {
    const refused = patchContentTypeError(req.headers);
    if (refused) return p.refuse(path, errorReply(refused.status, refused.message));
  }
  if (carriesBody(parsed.method)) {
    const body = await readBody(req);
    if (body === "too-large") {
      // Go's MaxBytesReader closes the connection after answering, lingering first (http/list-method.ts); so do we, leaving the rest unread.
      res.setHeader("Connection", "close");
      lingerOnClose(req.socket);
      return p.refuse(path, { status: 413, body: BODY_TOO_LARGE_BODY, auditError: "error parsing JSON" });
    }
    const decoded = decodeBody(body, { method: parsed.method, contentType: req.headers["content-type"], rawQuery: parsed.rawQuery });
    if (!decoded.ok) return p.refuse(path, errorReply(400, decoded.message));
    p.body = decoded.data;
  }
  if (ctx.sys.sealed) return p.refuse(path, errorReply(503, SEALED));
  const now = ctx.sys.now();
  const mount = p.mount;
  if (mount?.unauthenticated?.(belowMount(mount, path))) return p.run(path, now, mount);
  if (!parsed.token) return p.refuse(path, { status: 403, body: MISSING_TOKEN_BODY, auditError: PERMISSION_DENIED });
  p.info = await ctx.tokens.lookup(parsed.token, now);
  if (!p.info) return p.refuse(path, { status: 403, body: INVALID_TOKEN_BODY, auditError: multiError(PERMISSION_DENIED, INVALID_TOKEN) });

  // vault/request_handling.go: a POST/PUT is `create` or `update` by the backend's existence check, before the ACL.
  if (mount?.exists && (op.operation === "create" || op.operation === "update")) {
    const checked = operationForHttp({ method: parsed.method, exists: await mount.exists(belowMount(mount, path), parsed.token) });
    if ("operation" in checked) p.operation = checked.operation;
  }
  p.acl = await ctx.policies.acl(p.info.policies);
  // Root-protected paths (the mount's PathsSpecial.Root) need `sudo` on the matching rule as well.
  const sudoRequired = mount?.sudoRequired?.(belowMount(mount, path)) ?? false;
  const decision = p.acl.allows(p.operation, path, aclData(p.body, parsed.query, parsed.method === "GET" && op.operation === "list"), { sudoRequired });
  p.allowed = decision.allowed;
  if (!decision.allowed) return p.refuse(path, { status: 403, body: PERMISSION_DENIED_BODY, auditError: decision.error });
  if (!mount) return p.refuse(path, errorReply(404, noHandlerForRoute(path)));
  return p.run(path, now, mount);
}

/** The request listener: answers, then writes (HEAD without a body). */
export function requestListener(ctx: ServerContext): http.RequestListener {
  return (req, res) => {
    void answer(ctx, req, res).then(
      (reply) => {
        if (reply.body === GO_NOT_FOUND) {
          res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }).end(GO_NOT_FOUND);
          return;
        }
        if (reply.body === GO_BAD_REQUEST) {
          res.sendDate = false;
          res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" }).end(GO_BAD_REQUEST);
          return;
        }
        writeReply(res, reply, reply.head === true);
      },
      () => writeReply(res, internalError()),
    );
  };
}
