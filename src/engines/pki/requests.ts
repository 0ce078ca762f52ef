/**
 * The fields of the engine's requests, read as Vault's plugin framework reads them (weakly: a
 * number where a string is expected is its text, `"true"` is a bool, a duration is seconds or
 * `1h`, a comma-separated string is a list), each a zod schema, so that the server and any other
 * caller turn a request body into the same typed input. A field that does not convert is 400
 * `error converting input for field "<name>"`, as in Vault; fields not listed are ignored.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";

const WeakString = z.union([z.string(), z.number().transform(String), z.boolean().transform((b) => (b ? "1" : "0")), z.null().transform(() => "")]);
const WeakBool = z.union([
  z.boolean(),
  z.number().transform((n) => n !== 0),
  z.enum(["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False", ""]).transform((s) => ["1", "t", "T", "TRUE", "true", "True"].includes(s)),
]);
const WeakInt = z.union([z.int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const CommaList = z
  .union([WeakString.transform((s) => (s === "" ? [] : s.split(","))), z.array(WeakString)])
  .transform((items) => items.map((s) => s.trim()).filter((s) => s !== ""));
const Duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed || parsed.seconds < 0) {
    ctx.addIssue({ code: "custom", message: "error" in parsed ? parsed.error : "negative" });
    return z.NEVER;
  }
  return Math.floor(parsed.seconds);
});

function read<S extends z.ZodType>(fields: Readonly<Record<string, unknown>>, name: string, schema: S, fallback: z.output<S>): z.output<S> {
  if (!Object.hasOwn(fields, name) || fields[name] === undefined) return fallback;
  return parseWith(schema, fields[name], (_issues, cause) => new SecretsError("usage", `error converting input for field ${JSON.stringify(name)}`, { cause }));
}

export type CertFormat = "pem" | "der" | "pem_bundle";

/** `format`: Vault's three; anything else its error. */
function format(fields: Readonly<Record<string, unknown>>): CertFormat {
  const f = read(fields, "format", WeakString, "pem");
  if (f === "" || f === "pem") return "pem";
  if (f === "der" || f === "pem_bundle") return f;
  throw new SecretsError("usage", `the "format" path parameter must be "pem", "der", or "pem_bundle"`);
}

/** The subject fields every certificate request has. */
export interface SubjectInput {
  commonName: string;
  altNames: string[];
  ipSans: string[];
  excludeCnFromSans: boolean;
  /** Seconds; 0: the default. */
  ttl: number;
  format: CertFormat;
}

/** `pki/issue/:role` and `pki/sign/:role`. */
export interface IssueInput extends SubjectInput {
  /** `der` (default: the key as its type encodes it) or `pkcs8`. */
  privateKeyFormat: "der" | "pkcs8";
  /** `pki/sign` only: the PEM request. */
  csr: string;
}

export function subjectInput(fields: Readonly<Record<string, unknown>>): SubjectInput {
  return {
    commonName: read(fields, "common_name", WeakString, ""),
    altNames: read(fields, "alt_names", CommaList, []),
    ipSans: read(fields, "ip_sans", CommaList, []),
    excludeCnFromSans: read(fields, "exclude_cn_from_sans", WeakBool, false),
    ttl: read(fields, "ttl", Duration, 0),
    format: format(fields),
  };
}

export function issueInput(fields: Readonly<Record<string, unknown>>): IssueInput {
  const pkf = read(fields, "private_key_format", WeakString, "der");
  if (pkf !== "" && pkf !== "der" && pkf !== "pem" && pkf !== "pkcs8") throw new SecretsError("usage", `invalid private_key_format: ${pkf}`);
  return { ...subjectInput(fields), privateKeyFormat: pkf === "pkcs8" ? "pkcs8" : "der", csr: read(fields, "csr", WeakString, "") };
}

/** `pki/root/generate/:type` and `pki/intermediate/generate/:type`. */
export interface CaInput extends SubjectInput {
  keyType: string;
  keyBits: number;
  /** -1: no limit. */
  maxPathLength: number;
  organization: string[];
  ou: string[];
}

export function caInput(fields: Readonly<Record<string, unknown>>): CaInput {
  return {
    ...subjectInput(fields),
    keyType: read(fields, "key_type", WeakString, "rsa") || "rsa",
    keyBits: read(fields, "key_bits", WeakInt, 0),
    maxPathLength: read(fields, "max_path_length", WeakInt, -1),
    organization: read(fields, "organization", CommaList, []),
    ou: read(fields, "ou", CommaList, []),
  };
}

/** `pki/root/sign-intermediate`: the CSR, and the subject it is given (`use_csr_values` takes the CSR's). */
export interface SignIntermediateInput extends CaInput {
  csr: string;
  useCsrValues: boolean;
}

export function signIntermediateInput(fields: Readonly<Record<string, unknown>>): SignIntermediateInput {
  return { ...caInput(fields), csr: read(fields, "csr", WeakString, ""), useCsrValues: read(fields, "use_csr_values", WeakBool, false) };
}

/** `pki/revoke`: a serial number (colons or hyphens), or the certificate itself. */
export function revokeInput(fields: Readonly<Record<string, unknown>>): { serialNumber: string; certificate: string } {
  return { serialNumber: read(fields, "serial_number", WeakString, ""), certificate: read(fields, "certificate", WeakString, "") };
}

/** `pki/intermediate/set-signed`. */
export function setSignedInput(fields: Readonly<Record<string, unknown>>): { certificate: string } {
  return { certificate: read(fields, "certificate", WeakString, "") };
}
