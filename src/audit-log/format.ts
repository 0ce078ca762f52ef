/**
 * Turns what the server knows of a request (and its response) into the two audit lines Vault
 * writes for it: a `request` line before the request is handled, a `response` line after, both
 * carrying the same `request.id`.
 *
 * Sources, all in hashicorp/vault:
 * - `audit/types.go`: field names, nesting and order (`time` first, then the others in the order
 *   the structs declare them), every field `omitempty` except `policy_results.allowed` and
 *   `granting_policies[].type`;
 * - `audit/entry_formatter.go` (`FormatRequest`, `FormatResponse`): which input fills which field;
 *   the `auth` object is always there (an unauthenticated request has `{"token_type":"default"}`,
 *   Go's zero TokenType); `namespace` is `{"id":"root"}`; `response` carries the request's mount;
 *   `time` is `time.Now().UTC().Format(time.RFC3339Nano)`, `token_issue_time` RFC 3339;
 * - `audit/hashstructure.go` (`HashAuth`, `HashRequest`, `HashResponse`, `HashWrapInfo`): what is
 *   HMAC'd: `client_token`s always, accessors (`accessor`, `client_token_accessor`, wrap_info's
 *   `accessor` and `wrapped_accessor`) when `hmac_accessor` is on (its default), wrap_info's token,
 *   and every string in request and response `data` (hash.ts). Everything else is written as it is:
 *   path, operation, mount, remote address and port, display name, policies, metadata, entity id,
 *   token type and TTL, lease id, warnings, error, time and type;
 * - `audit/headers.go`: only configured request headers are written (`correlation-id` and
 *   `x-correlation-id` by default, plain), names lower-cased, values HMAC'd when configured so.
 *
 * Not written, on purpose: `request_uri` (the raw URL with its query string; the path is there) and
 * response headers; there is no `log_raw` (plaintext) mode.
 */
import { GoMap, goJson, type GoJsonValue } from "../util/go-json.js";
import { hashMap, rfc3339, rfc3339Nano, type AuditDataValue } from "./hash.js";

/** Vault's request operations (`sdk/logical/request.go`, `Operation` constants). */
export type VaultOperation =
  | "create"
  | "read"
  | "update"
  | "patch"
  | "delete"
  | "list"
  | "help"
  | "alias-lookahead"
  | "resolve-role"
  | "header"
  | "rollback"
  | "renew"
  | "revoke";

/** The token a request was made with, or the one a login created (`logical.Auth`). */
export interface AuditAuthInput {
  clientToken?: string;
  accessor?: string;
  displayName?: string;
  policies?: readonly string[];
  tokenPolicies?: readonly string[];
  identityPolicies?: readonly string[];
  noDefaultPolicy?: boolean;
  /** Token metadata: written plain, as Vault does. */
  metadata?: Readonly<Record<string, string>>;
  entityId?: string;
  entityCreated?: boolean;
  /** `service`, `batch`…; Go's zero value prints `default`. */
  tokenType?: string;
  ttlSeconds?: number;
  issueTime?: Date;
  numUses?: number;
  remainingUses?: number;
  /** The ACL decision (request entries and the response entry's top-level auth). */
  policyResults?: {
    allowed: boolean;
    grantingPolicies?: readonly { name?: string; namespaceId?: string; namespacePath?: string; type: string }[];
  };
}

/** One request as the server parsed it (`logical.Request`). */
export interface AuditRequestInput {
  /** The request id (a UUID), shared by its two lines and returned as `request_id`. */
  id: string;
  operation: VaultOperation;
  /** The path under /v1/, without a leading slash (`secret/data/app`). */
  path: string;
  clientToken?: string;
  clientTokenAccessor?: string;
  clientId?: string;
  mountPoint?: string;
  mountType?: string;
  mountAccessor?: string;
  mountClass?: string;
  /** The request body (or query parameters for reads), every string HMAC'd. */
  data?: Readonly<Record<string, AuditDataValue>>;
  policyOverride?: boolean;
  remoteAddress?: string;
  remotePort?: number;
  /** The HTTP request headers (node's IncomingHttpHeaders fits); only audited ones are written. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  wrapTtlSeconds?: number;
}

/** What the server answered (`logical.Response`). */
export interface AuditResponseInput {
  /** The token a login or `auth/token/create` made. */
  auth?: AuditAuthInput;
  data?: Readonly<Record<string, AuditDataValue>>;
  warnings?: readonly string[];
  redirect?: string;
  secret?: { leaseId: string };
  wrapInfo?: { token: string; accessor?: string; ttlSeconds?: number; creationTime: Date; creationPath?: string; wrappedAccessor?: string };
}

/** One thing to log: a request as it arrives, or the same request with its response. */
export type AuditEvent =
  | { type: "request"; auth?: AuditAuthInput; request: AuditRequestInput; error?: string }
  | { type: "response"; auth?: AuditAuthInput; request: AuditRequestInput; response?: AuditResponseInput; error?: string };

/** A request header to write (`sys/config/auditing/request-headers/:name`). */
export interface AuditedHeader {
  hmac: boolean;
}

/** The device's options (Vault's file device options where they exist). */
export interface AuditFormatOptions {
  /** `hmac_accessor` (default true): HMAC token accessors too. */
  hmacAccessor?: boolean;
  /** `elide_list_responses` (default false): a list response's `keys`/`key_info` become their counts. */
  elideListResponses?: boolean;
  /** Lower-case header name → settings; default `correlation-id` and `x-correlation-id`, plain (audit/headers.go DefaultHeaders). */
  auditedHeaders?: ReadonlyMap<string, AuditedHeader>;
  /** The clock (tests pin it). */
  now?: () => Date;
}

/** Vault's default audited headers (audit/headers.go `DefaultHeaders`). */
export const DEFAULT_AUDITED_HEADERS: ReadonlyMap<string, AuditedHeader> = new Map([
  ["correlation-id", { hmac: false }],
  ["x-correlation-id", { hmac: false }],
]);

type Field = GoJsonValue | GoMap | undefined;

/** Go's `omitempty`: "", 0, false, nil and empty slices and maps are left out; `keep` names fields without it. */
function struct(fields: Readonly<Record<string, Field>>, keep: readonly string[] = []): Record<string, GoJsonValue> {
  const out: Record<string, GoJsonValue> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (!keep.includes(k) && isEmpty(v)) continue;
    out[k] = v;
  }
  return out;
}

function isEmpty(v: GoJsonValue): boolean {
  if (v === null || v === "" || v === 0 || v === false) return true;
  if (v instanceof GoMap) return v.entries.size === 0;
  return Array.isArray(v) && v.length === 0;
}

function strings(list: readonly string[] | undefined): GoJsonValue | undefined {
  return list ? [...list] : undefined;
}

function plainMap(record: Readonly<Record<string, string>> | undefined): GoMap | undefined {
  return record ? GoMap.from(record) : undefined;
}

/** Builds the two lines of each request; holds the salt's HMAC function and the device options. */
export class AuditFormatter {
  private readonly hmacAccessor: boolean;
  private readonly elideListResponses: boolean;
  private readonly auditedHeaders: ReadonlyMap<string, AuditedHeader>;
  private readonly now: () => Date;

  constructor(
    private readonly hmac: (value: string) => string,
    options: AuditFormatOptions = {},
  ) {
    this.hmacAccessor = options.hmacAccessor ?? true;
    this.elideListResponses = options.elideListResponses ?? false;
    this.auditedHeaders = options.auditedHeaders ?? DEFAULT_AUDITED_HEADERS;
    this.now = options.now ?? (() => new Date());
  }

  /** The line for `event`, ending with the newline json.Encoder writes. Holds no plaintext token or data value. */
  line(event: AuditEvent): string {
    return `${goJson(this.entry(event))}\n`;
  }

  /** The entry as an ordered object (what `line` encodes). */
  entry(event: AuditEvent): Record<string, GoJsonValue> {
    const isResponse = event.type === "response";
    return struct({
      time: rfc3339Nano(this.now()),
      auth: this.auth(event.auth ?? {}, isResponse ? "response-entry" : "request-entry"),
      error: event.error,
      request: this.request(event.request),
      response: event.type === "response" ? this.response(event.request, event.response ?? {}) : undefined,
      type: event.type,
    });
  }

  private accessor(a: string | undefined): string | undefined {
    if (a === undefined || a === "") return a;
    return this.hmacAccessor ? this.hmac(a) : a;
  }

  /** `auth` of an entry or of a response, field order of types.go `auth`; which fields each has from entry_formatter.go. */
  private auth(a: AuditAuthInput, where: "request-entry" | "response-entry" | "response"): Record<string, GoJsonValue> {
    const topLevel = where !== "response";
    return struct({
      accessor: this.accessor(a.accessor),
      client_token: a.clientToken ? this.hmac(a.clientToken) : undefined,
      display_name: a.displayName,
      entity_created: where === "response-entry" ? a.entityCreated : undefined,
      entity_id: a.entityId,
      identity_policies: strings(a.identityPolicies),
      metadata: plainMap(a.metadata),
      no_default_policy: a.noDefaultPolicy,
      num_uses: where === "response" ? a.numUses : undefined,
      policies: strings(a.policies),
      policy_results: topLevel && a.policyResults ? this.policyResults(a.policyResults) : undefined,
      remaining_uses: topLevel ? a.remainingUses : undefined,
      token_policies: strings(a.tokenPolicies),
      token_issue_time: a.issueTime ? rfc3339(a.issueTime) : undefined,
      token_ttl: a.ttlSeconds !== undefined ? Math.trunc(a.ttlSeconds) : undefined,
      token_type: a.tokenType ?? "default",
    });
  }

  private policyResults(p: NonNullable<AuditAuthInput["policyResults"]>): Record<string, GoJsonValue> {
    return struct(
      {
        allowed: p.allowed,
        granting_policies: p.grantingPolicies?.map((g) =>
          struct({ name: g.name, namespace_id: g.namespaceId, namespace_path: g.namespacePath, type: g.type }, ["type"]),
        ),
      },
      ["allowed"],
    );
  }

  private request(r: AuditRequestInput): Record<string, GoJsonValue> {
    return struct({
      client_id: r.clientId,
      client_token: r.clientToken ? this.hmac(r.clientToken) : undefined,
      client_token_accessor: this.accessor(r.clientTokenAccessor),
      data: r.data ? hashMap(r.data, this.hmac) : undefined,
      headers: this.headers(r.headers),
      id: r.id,
      mount_accessor: r.mountAccessor,
      mount_class: r.mountClass,
      mount_point: r.mountPoint,
      mount_type: r.mountType,
      namespace: { id: "root" },
      operation: r.operation,
      path: r.path,
      policy_override: r.policyOverride,
      remote_address: r.remoteAddress,
      remote_port: r.remotePort,
      wrap_ttl: r.wrapTtlSeconds !== undefined ? Math.trunc(r.wrapTtlSeconds) : undefined,
    });
  }

  private response(r: AuditRequestInput, resp: AuditResponseInput): Record<string, GoJsonValue> {
    const data = resp.data && this.elideListResponses && r.operation === "list" ? elideList(resp.data) : resp.data;
    const wrap = resp.wrapInfo;
    return struct({
      auth: resp.auth ? this.auth(resp.auth, "response") : undefined,
      data: data ? hashMap(data, this.hmac) : undefined,
      mount_accessor: r.mountAccessor,
      mount_class: r.mountClass,
      mount_point: r.mountPoint,
      mount_type: r.mountType,
      redirect: resp.redirect,
      secret: resp.secret ? struct({ lease_id: resp.secret.leaseId }) : undefined,
      wrap_info: wrap
        ? struct({
            accessor: this.accessor(wrap.accessor),
            creation_path: wrap.creationPath,
            creation_time: rfc3339Nano(wrap.creationTime),
            token: this.hmac(wrap.token),
            ttl: wrap.ttlSeconds !== undefined ? Math.trunc(wrap.ttlSeconds) : undefined,
            wrapped_accessor: this.accessor(wrap.wrappedAccessor),
          })
        : undefined,
      warnings: strings(resp.warnings),
    });
  }

  /** audit/headers.go ApplyConfig: the configured headers present in the request, names lower-cased. */
  private headers(h: AuditRequestInput["headers"]): GoMap | undefined {
    if (!h) return undefined;
    const out = new Map<string, GoJsonValue>();
    for (const [name, raw] of Object.entries(h)) {
      const setting = this.auditedHeaders.get(name.toLowerCase());
      if (!setting || raw === undefined) continue;
      const values = typeof raw === "string" ? [raw] : [...raw];
      out.set(name.toLowerCase(), setting.hmac ? values.map(this.hmac) : values);
    }
    return new GoMap(out);
  }
}

/** audit/format.go doElideListResponseData: `keys` (a list) and `key_info` (a map) become their sizes. */
function elideList(data: Readonly<Record<string, AuditDataValue>>): Record<string, AuditDataValue> {
  const out: Record<string, AuditDataValue> = { ...data };
  const keys = out.keys;
  if (Array.isArray(keys)) out.keys = keys.length;
  const info = out.key_info;
  if (info !== null && typeof info === "object" && !Array.isArray(info) && !(info instanceof Date)) out.key_info = Object.keys(info).length;
  return out;
}
