/**
 * The token store as a mount (`auth/token/`), answering as internal/vault/token_store.go does:
 *
 * | path | operations | answer |
 * |---|---|---|
 * | `create`, `create-orphan` | update | 200, the new token in `auth` |
 * | `create/<role>` | update | 400 `unknown role <role>` (no token roles here) |
 * | `lookup` | read (`?token=`), update (`{token}`; none: the caller's) | 200, or 403 `bad token` |
 * | `lookup-self` | read, update | 200 |
 * | `lookup-accessor` | update `{accessor}` | 200 with `id: ""` |
 * | `renew`, `renew-self`, `renew-accessor` | update (`increment`) | 200, the renewed token in `auth` |
 * | `revoke`, `revoke-self`, `revoke-accessor`, `revoke-orphan` | update | 204 |
 * | `accessors` | list (sudo) | 200 `keys` |
 *
 * Paths are matched whole, as the framework anchors them; another path is 404 `unsupported path`,
 * another operation 405. `revoke-orphan/*` and `accessors*` are root-protected (PathsSpecial.Root:
 * sudo needed), and `sudo` on the request path also decides what a creator may do beyond its own
 * policies (SudoPrivilege): other policies, `no_parent`, a chosen `id`. Error strings are Vault's;
 * a handler's `ErrorResponse` is a 400 whose body holds the message as it is, an error of the
 * framework's own (`missing accessor`) is wrapped as a multierror.
 *
 * Not served, and refused with a clear 400 instead of being ignored: batch tokens, use-limited
 * tokens (`num_uses`), periodic tokens (`period`). Token roles do not exist here.
 */
import { ROOT_POLICY_NAME, DEFAULT_POLICY_NAME } from "../../auth/tokens/policies.js";
import { SYSTEM_DEFAULT_TTL, ttlCappedWarning } from "../../auth/tokens/ttl.js";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { isSecretsError } from "../../errors.js";
import { auditAuthOf, authBlock, issuedAuth, type IssuedAuth } from "../auth-block.js";
import { envelope } from "../envelope.js";
import type { RepositoryPolicies } from "../policies.js";
import { errorReply, type Reply } from "../reply.js";
import type { TokenRegistry, TokenTarget } from "../token-registry.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest, Mount } from "./mount.js";
import { AccessorFields, CreateFields, ignoredWarning, NoFields, queryFields, readFields, RenewAccessorFields, RenewFields, TokenFields } from "./token-fields.js";
import { tokenLookupData, type LookupSubject } from "./token-lookup.js";

export const TOKEN_MOUNT_TYPE = "token";

export interface TokenMountDeps {
  readonly tokens: TokenRegistry;
  /** For create's `Policy "x" does not exist` warnings. */
  readonly policies: RepositoryPolicies;
}

const NO_CONTENT: Reply = { status: 204 };

/** A handler's ErrorResponse with ErrInvalidRequest: 400, the message as it is. */
class VaultRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly wrapped = false,
  ) {
    super(message);
  }
}

const invalid = (message: string): VaultRequestError => new VaultRequestError(message);
/** An error the handler returns as an error value (logical.StatusBadRequest): 400, wrapped in a multierror. */
const badRequest = (message: string): VaultRequestError => new VaultRequestError(message, 400, true);

function dataReply(req: LogicalRequest, data: Record<string, unknown> | null, warnings: readonly string[] = []): Reply {
  const w = warnings.length ? [...warnings] : null;
  return {
    status: 200,
    body: envelopeJson({ ...envelope(req.id, TOKEN_MOUNT_TYPE, data, w) }),
    ...(data ? { auditData: data as Reply["auditData"] } : {}),
    ...(w ? { warnings: w } : {}),
  };
}

function authReply(req: LogicalRequest, issued: IssuedAuth, warnings: readonly string[]): Reply {
  const w = warnings.length ? [...warnings] : null;
  return {
    status: 200,
    body: envelopeJson({ ...envelope(req.id, TOKEN_MOUNT_TYPE, null, w, authBlock(issued)) }),
    auditAuth: auditAuthOf(issued),
    ...(w ? { warnings: w } : {}),
  };
}


/** SudoPrivilege: the request path's capabilities include `sudo` (or the token is root). */
function hasSudo(req: LogicalRequest): boolean {
  const caps: readonly string[] = req.acl?.capabilities(req.fullPath) ?? [];
  return caps.includes("sudo") || caps.includes("root");
}

/** A TypeString duration field as handleCreateCommon parses it (parseutil.ParseDurationSecond); "" is none. */
function durationText(text: string | undefined, field: string): number {
  if (text === undefined || text === "") return 0;
  const parsed = parseDurationSeconds(text);
  // Vault answers with the parser's error, which quotes the input; no input is echoed here.
  if ("error" in parsed) throw invalid(`'${field}' value could not be parsed`);
  const seconds = Math.trunc(parsed.seconds);
  if (seconds < 0) throw invalid(`${field} must be positive`);
  return seconds;
}

/** Reads the request data: the query's for a read, else the body. */
function requestData(req: LogicalRequest): unknown {
  return req.operation === "read" ? queryFields(req.query) : req.body;
}

async function create(deps: TokenMountDeps, req: LogicalRequest, orphan: boolean): Promise<Reply> {
  const { values: v, ignored } = readFields(req.body, CreateFields);
  const parent: LookupSubject = (await deps.tokens.lookup(req.token!, req.now)) ?? req.info!;
  const sudo = hasSudo(req);
  const type = v.type ?? "";
  if (type === "batch") throw invalid("batch tokens are not supported by this server");
  if (type !== "" && type !== "service") throw invalid("invalid 'token_type' value");
  const numUses = v.num_uses ?? 0;
  if (numUses < 0) throw invalid("number of uses cannot be negative");
  if (numUses > 0) throw invalid("tokens with a use limit (num_uses) are not supported by this server");
  if ((v.entity_alias ?? "") !== "") throw invalid("'entity_alias' is only allowed in combination with token role");
  const id = v.id ?? "";
  if (id !== "") {
    if (!sudo) throw invalid("root or sudo privileges required to specify token id");
    // token_store.go create: a chosen id must not look like a generated one.
    if (id.startsWith("hvs.")) throw invalid("custom token ID cannot have the 'hvs.' prefix");
    if (id.startsWith("s.")) throw invalid("custom token ID cannot have the 's.' prefix");
    if (id.includes(".")) throw invalid("custom token ID cannot have a '.' in the value");
  }
  const explicitMaxTtl = durationText(v.explicit_max_ttl, "explicit_max_ttl");
  const period = durationText(v.period, "period");
  if (period > 0 && !sudo) throw invalid("root or sudo privileges required to create periodic token");
  if (period > 0) throw invalid("periodic tokens are not supported by this server");
  const ttl = v.ttl !== undefined && v.ttl !== "" ? durationText(v.ttl, "ttl") : durationText(v.lease, "lease");

  const made = await deps.tokens.createChild(
    parent,
    {
      policies: v.policies ?? [],
      noDefaultPolicy: v.no_default_policy ?? false,
      sudo,
      ttl,
      explicitMaxTtl,
      renewable: v.renewable ?? true,
      ...(v.display_name ? { displayName: v.display_name } : {}),
      meta: v.meta ?? {},
      noParent: v.no_parent ?? false,
      orphan,
      path: `auth/token/${req.path}`,
      ...(id !== "" ? { token: id } : {}),
    },
    req.now,
  );
  const info = made.info;
  const warnings: string[] = [];
  // CalculateTTL runs unless the token is a root token given no TTL (which then never expires).
  if (!(info.policies.includes(ROOT_POLICY_NAME) && ttl === 0)) {
    const capped = ttlCappedWarning(ttl > 0 ? ttl : SYSTEM_DEFAULT_TTL, info.currentTtl);
    if (capped) warnings.push(capped);
  }
  for (const p of info.policies) {
    if (p === ROOT_POLICY_NAME || p === DEFAULT_POLICY_NAME) continue;
    if ((await deps.policies.load(p)) === null) warnings.push(`Policy ${JSON.stringify(p)} does not exist`);
  }
  return authReply(req, issuedAuth(made.token, info), [...warnings, ...ignoredWarning(ignored)]);
}

async function lookup(deps: TokenMountDeps, req: LogicalRequest, self: boolean): Promise<Reply> {
  const { values, ignored } = readFields(requestData(req), TokenFields);
  const id = self || !values.token ? req.token! : values.token;
  const found: LookupSubject | null = (await deps.tokens.lookup(id, req.now)) ?? (id === req.token ? req.info : null);
  if (!found) return errorReply(403, "bad token");
  return dataReply(req, tokenLookupData(id, found, req.now), ignoredWarning(ignored));
}

async function lookupAccessor(deps: TokenMountDeps, req: LogicalRequest): Promise<Reply> {
  const { values, ignored } = readFields(req.body, AccessorFields);
  if (!values.accessor) throw badRequest("missing accessor");
  const found = await deps.tokens.lookupAccessor(values.accessor, req.now);
  if (!found) throw badRequest("invalid accessor");
  return dataReply(req, tokenLookupData("", found, req.now), ignoredWarning(ignored));
}

type Kind = "self" | "token" | "accessor";

async function renew(deps: TokenMountDeps, req: LogicalRequest, kind: Kind): Promise<Reply> {
  let target: TokenTarget;
  let increment: number;
  let ignored: readonly string[];
  if (kind === "accessor") {
    const read = readFields(req.body, RenewAccessorFields);
    ({ ignored } = read);
    increment = read.values.increment ?? 0;
    const accessor = read.values.accessor ?? "";
    if (accessor === "") throw badRequest("missing accessor");
    if (!(await deps.tokens.lookupAccessor(accessor, req.now))) throw badRequest("invalid accessor");
    target = { accessor };
  } else {
    const read = readFields(req.body, RenewFields);
    ({ ignored } = read);
    increment = read.values.increment ?? 0;
    const token = kind === "self" ? req.token! : (read.values.token ?? "");
    if (token === "") throw invalid("missing token ID");
    target = { token };
  }
  const before = "token" in target ? await deps.tokens.lookup(target.token, req.now) : await deps.tokens.lookupAccessor(target.accessor, req.now);
  const renewed = await deps.tokens.renew(target, increment, req.now);
  const last = before?.currentTtl ?? 0;
  const capped = ttlCappedWarning(increment > 0 ? increment : last > 0 ? last : SYSTEM_DEFAULT_TTL, renewed.currentTtl);
  // expiration.go RenewToken attaches the token; renew-accessor blanks it again.
  const clientToken = "token" in target ? target.token : "";
  return authReply(req, issuedAuth(clientToken, renewed), [...(capped ? [capped] : []), ...ignoredWarning(ignored)]);
}

async function revoke(deps: TokenMountDeps, req: LogicalRequest, kind: Kind | "orphan"): Promise<Reply> {
  const opts = { author: req.author, path: req.fullPath };
  if (kind === "self") {
    readFields(req.body, NoFields);
    await deps.tokens.revoke({ token: req.token! }, req.now, opts);
    return NO_CONTENT;
  }
  if (kind === "accessor") {
    const { values } = readFields(req.body, AccessorFields);
    if (!values.accessor) throw badRequest("missing accessor");
    if (!(await deps.tokens.revoke({ accessor: values.accessor }, req.now, opts))) return dataReply(req, null, ["No token found with this accessor"]);
    return NO_CONTENT;
  }
  const { values } = readFields(req.body, TokenFields);
  const token = values.token ?? "";
  if (kind === "orphan") {
    if (token === "") throw invalid("missing token ID");
    if (!hasSudo(req)) throw invalid("root or sudo privileges required to revoke and orphan");
    if (!(await deps.tokens.revoke({ token }, req.now, { ...opts, orphan: true }))) throw invalid("token to revoke not found");
    return NO_CONTENT;
  }
  if (token === "") throw invalid("missing token ID");
  await deps.tokens.revoke({ token }, req.now, opts);
  return NO_CONTENT;
}

async function accessors(deps: TokenMountDeps, req: LogicalRequest): Promise<Reply> {
  return dataReply(req, { keys: await deps.tokens.accessors(req.now) });
}

type Handler = (deps: TokenMountDeps, req: LogicalRequest, match: RegExpExecArray) => Promise<Reply>;

interface TokenRoute {
  readonly pattern: RegExp;
  readonly ops: Partial<Record<LogicalRequest["operation"], Handler>>;
}

/** token_store.go paths(), in its order (the first whole match answers). */
const ROUTES: readonly TokenRoute[] = [
  { pattern: /^accessors\/?$/, ops: { list: accessors } },
  { pattern: /^create-orphan$/, ops: { update: (d, r) => create(d, r, true) } },
  // framework.GenericNameRegex("role_name"); there are no roles, so every one is unknown (handleCreateAgainstRole).
  { pattern: /^create\/(\w(?:[\w.-]*\w)?)$/, ops: { update: (_d, _r, m) => Promise.reject(invalid(`unknown role ${m[1]!}`)) } },
  { pattern: /^create$/, ops: { update: (d, r) => create(d, r, false) } },
  { pattern: /^lookup$/, ops: { read: (d, r) => lookup(d, r, false), update: (d, r) => lookup(d, r, false) } },
  { pattern: /^lookup-accessor$/, ops: { update: lookupAccessor } },
  { pattern: /^lookup-self$/, ops: { read: (d, r) => lookup(d, r, true), update: (d, r) => lookup(d, r, true) } },
  { pattern: /^revoke-accessor$/, ops: { update: (d, r) => revoke(d, r, "accessor") } },
  { pattern: /^revoke-self$/, ops: { update: (d, r) => revoke(d, r, "self") } },
  { pattern: /^revoke$/, ops: { update: (d, r) => revoke(d, r, "token") } },
  { pattern: /^revoke-orphan$/, ops: { update: (d, r) => revoke(d, r, "orphan") } },
  { pattern: /^renew-accessor$/, ops: { update: (d, r) => renew(d, r, "accessor") } },
  { pattern: /^renew-self$/, ops: { update: (d, r) => renew(d, r, "self") } },
  { pattern: /^renew$/, ops: { update: (d, r) => renew(d, r, "token") } },
];

function failure(e: unknown): Reply {
  if (e instanceof VaultRequestError) return errorReply(e.status, e.wrapped ? multiError(e.message) : e.message);
  // The stores' refusals (policies, TTLs, renewal) are kind `usage`: Vault's ErrorResponse, a 400 with the message as it is.
  if (isSecretsError(e) && e.kind === "usage") return errorReply(400, e.message);
  throw e;
}

/** The token store as one of the server's mounts (`auth/token/`). */
export function tokenMount(deps: TokenMountDeps): Mount {
  return {
    point: "auth/token/",
    type: TOKEN_MOUNT_TYPE,
    sudoRequired: (path) => path.startsWith("revoke-orphan/") || path.startsWith("accessors"),
    async handle(req) {
      for (const route of ROUTES) {
        const m = route.pattern.exec(req.path);
        if (!m) continue;
        const handler = route.ops[req.operation];
        if (!handler) return errorReply(405, multiError(UNSUPPORTED_OPERATION));
        try {
          return await handler(deps, req, m);
        } catch (e) {
          return failure(e);
        }
      }
      return errorReply(404, multiError(UNSUPPORTED_PATH));
    },
  };
}
