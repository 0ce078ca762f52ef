/**
 * How Vault's plugin framework reads a request's fields (sdk/framework/field_data.go), for the
 * endpoints answered here: each field has a type, and the raw JSON value is converted to it
 * weakly (mapstructure.WeakDecode), so that `"policy": 5` is the string "5". A value that cannot
 * be converted fails the whole request with 400 `error converting input for field "<name>"`
 * (FieldData.Validate; Vault adds the decoder's words, which quote the value: left out here, since
 * a value may be secret).
 *
 * The conversions are zod schemas, so that every API input is parsed by one (docs/architecture.md
 * rule 6).
 */
import { z } from "zod";
import { SecretsError } from "../errors.js";
import { parseWith } from "../util/zod-error.js";

/** A JSON scalar as mapstructure's weak decoding turns it into a string: a bool is "1" or "0", null is "". */
const WeakScalar = z.union([
  z.string(),
  z.number().transform((n) => String(n)),
  z.boolean().transform((b) => (b ? "1" : "0")),
  z.null().transform(() => ""),
]);

/** framework.TypeString. */
export const FrameworkString = WeakScalar;

/**
 * framework.TypeCommaStringSlice (parseutil.ParseCommaStringSlice): a string is split on commas
 * ("" is none), a list's items are weakly converted; every item trimmed of white space.
 */
export const FrameworkCommaStringSlice = z
  .union([WeakScalar.transform((s) => (s === "" ? [] : s.split(","))), z.array(WeakScalar)])
  .transform((items) => items.map((s) => s.trim()));

/** The request's body as fields: a JSON object, or none. */
export function bodyFields(body: unknown): Readonly<Record<string, unknown>> {
  return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * Field `name` of `fields` converted by `schema`; `fallback` when the request does not carry it
 * (the framework's zero value). Kind `usage` (400) with the framework's message when it cannot be converted.
 */
export function field<S extends z.ZodType>(fields: Readonly<Record<string, unknown>>, name: string, schema: S, fallback: z.output<S>): z.output<S> {
  if (!Object.hasOwn(fields, name)) return fallback;
  return parseWith(schema, fields[name], (_issues, cause) => new SecretsError("usage", `error converting input for field ${JSON.stringify(name)}`, { cause }));
}
