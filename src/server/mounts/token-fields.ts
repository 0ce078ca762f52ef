/**
 * The request fields of the token endpoints, read as Vault's framework reads them
 * (sdk/framework/field_data.go getPrimitive: mapstructure's weak decoding), each a zod schema:
 *
 * - string: a string; a number as its digits; a bool as `1`/`0`; null as "";
 * - bool: a bool; a number (non-zero is true); a string Go's ParseBool takes, "" as false; null as
 *   false (so hvac's `renewable: None` makes a token that is not renewable, as in Vault);
 * - int: an integer, or a string of digits; a bool as 1/0; null as 0;
 * - duration (TypeDurationSecond): seconds as a number, or a string ParseDurationSecond takes
 *   (`90`, `1h30m`, `2d`); null as not given (hvac's `increment: None`); negative refused;
 * - string list: a list (each item a string, trimmed), one string as a list of one, "" or null as
 *   none;
 * - key/value pairs (TypeKVPairs, `meta`): an object of strings, or a list of `k=v` strings.
 *
 * A field that does not convert is Vault's 400 `Field validation failed: error converting input
 * for field "<name>": …` (framework.Backend HandleRequest), with a reason that names the expected
 * type and never quotes what was sent. Fields an endpoint does not declare are ignored, and a
 * response that has a body says so in a warning, as the framework does.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { parseGoBool } from "../../auth/policy/operation.js";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";

const fail = (ctx: z.RefinementCtx, message: string): typeof z.NEVER => {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
};

const VString = z.unknown().transform((v, ctx): string => {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  return fail(ctx, "expected a string");
});

const VBool = z.unknown().transform((v, ctx): boolean => {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    if (v === "") return false;
    const b = parseGoBool(v);
    if (b !== undefined) return b;
  }
  return fail(ctx, "expected a bool");
});

const VInt = z.unknown().transform((v, ctx): number => {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^[+-]?\d+$/.test(v)) return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return fail(ctx, "expected an integer");
});

/** Seconds, or undefined when not given (absent or null). */
const VDuration = z.unknown().transform((v, ctx): number | undefined => {
  if (v === null || v === undefined) return undefined;
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed) return fail(ctx, "expected a duration (seconds, or such as 1h30m)");
  const seconds = Math.trunc(parsed.seconds);
  if (seconds < 0) return fail(ctx, "cannot provide a negative value");
  return seconds;
});

/** A duration kept as the text given (TypeString fields that the handler parses itself: `ttl`, `explicit_max_ttl`, `period`). */
const VDurationText = VString;

const VStringList = z.unknown().transform((v, ctx): string[] => {
  if (v === null || v === undefined || v === "") return [];
  const items = Array.isArray(v) ? (v as unknown[]) : [v];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === "string") out.push(item.trim());
    else if (typeof item === "number" || typeof item === "boolean") out.push(String(item));
    else return fail(ctx, "expected a list of strings");
  }
  return out;
});

const VKeyValues = z.unknown().transform((v, ctx): Record<string, string> => {
  if (v === null || v === undefined) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const pair of v as unknown[]) {
      if (typeof pair !== "string") return fail(ctx, "expected key=value strings");
      const eq = pair.indexOf("=");
      if (eq <= 0) return fail(ctx, "invalid key pair");
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return out;
  }
  if (typeof v !== "object") return fail(ctx, "expected a map of strings");
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value === "string") out[k] = value;
    else if (typeof value === "number") out[k] = String(value);
    else if (typeof value === "boolean") out[k] = value ? "1" : "0";
    else if (value === null) out[k] = "";
    else return fail(ctx, "expected a map of strings");
  }
  return out;
});

/** `auth/token/create` and `create-orphan` (token_store.go commonFieldsForCreate). */
export const CreateFields = {
  display_name: VString,
  explicit_max_ttl: VDurationText,
  entity_alias: VString,
  num_uses: VInt,
  period: VDurationText,
  renewable: VBool,
  ttl: VDurationText,
  lease: VDurationText,
  type: VString,
  no_default_policy: VBool,
  id: VString,
  meta: VKeyValues,
  no_parent: VBool,
  policies: VStringList,
};

export const TokenFields = { token: VString };
export const AccessorFields = { accessor: VString };
export const RenewFields = { token: VString, increment: VDuration };
export const RenewAccessorFields = { accessor: VString, increment: VDuration };
export const NoFields = {};

type Fields = Readonly<Record<string, z.ZodType>>;

/** What an endpoint read: each declared field given (absent ones are left out), and the names it ignored, sorted. */
export interface ReadFields<F extends Fields> {
  readonly values: { readonly [K in keyof F]?: z.output<F[K]> };
  readonly ignored: readonly string[];
}

/** The request data (a JSON body, or the query's first values for a read) as `fields` declares them. */
export function readFields<F extends Fields>(data: unknown, fields: F): ReadFields<F> {
  // http/logical.go: a body that is not a JSON object does not parse as request data.
  if (data !== null && (typeof data !== "object" || Array.isArray(data))) throw new SecretsError("usage", "error parsing JSON");
  const raw = (data ?? {}) as Record<string, unknown>;
  const given = Object.keys(raw).filter((k) => Object.hasOwn(fields, k));
  const shape = Object.fromEntries(given.map((k) => [k, fields[k]!]));
  const values = parseWith(z.object(shape), Object.fromEntries(given.map((k) => [k, raw[k]])), ([issue]) => {
    const field = String(issue.path[0] ?? "");
    return new SecretsError("usage", `Field validation failed: error converting input for field ${JSON.stringify(field)}: ${issue.message}`);
  }) as ReadFields<F>["values"];
  return { values, ignored: Object.keys(raw).filter((k) => !Object.hasOwn(fields, k)).sort() };
}

/** framework.Backend HandleRequest's warning for fields the endpoint does not declare (on a response with a body). */
export function ignoredWarning(ignored: readonly string[]): string[] {
  return ignored.length ? [`Endpoint ignored these unrecognized parameters: [${ignored.join(" ")}]`] : [];
}

/** The first value of each query parameter (Vault's parseQuery, as the data of a read). */
export function queryFields(query: URLSearchParams): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of query) if (!(k in out)) out[k] = v;
  return Object.keys(out).length ? out : null;
}
