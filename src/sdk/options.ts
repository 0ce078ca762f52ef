// zod/mini: the same schemas as zod's classic API in a fraction of the code, so importing the SDK
// stays cheap (the full zod is only loaded with the .sops.yaml policy, when a file is created).
import { array, bigint, boolean, int, lazy, maximum, minimum, minLength, null as nullType, number, optional, record, refine, strictObject, string, union, type output, type ZodMiniType } from "zod/mini";
import { SecretsError } from "../errors.js";
import { parseWith } from "../util/zod-error.js";
import type { SecretsClientOptions } from "../secrets/types.js";

/** The SDK's inputs, parsed with zod. Messages name the option, never a value given for it. */

const nonEmpty = () => string().check(minLength(1));
const finite = () => number().check(refine(Number.isFinite, "must be a finite number"));

/** An absolute http: or https: URL (the server's address, as VAULT_ADDR holds it). */
export function isServerUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const u = new URL(text);
  return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
}

export const ServerUrlSchema = string().check(refine(isServerUrl, "must be an http: or https: URL"));

export const ClientOptionsSchema = strictObject({
  root: optional(nonEmpty()),
  identities: optional(array(string())),
  url: optional(ServerUrlSchema),
  token: optional(nonEmpty()),
  mount: optional(nonEmpty().check(refine((m) => m.split("/").some((s) => s !== "") && !m.split("/").some((s) => s === "." || s === ".."), "must name a mount"))),
  timeout: optional(int().check(minimum(1), maximum(3_600_000))),
  retries: optional(int().check(minimum(0), maximum(10))),
  cwd: optional(nonEmpty()),
}) satisfies ZodMiniType<SecretsClientOptions>;

export type ClientOptions = output<typeof ClientOptionsSchema>;

export const SecretPathSchema = string();
export const PrefixSchema = string();
export const PathListSchema = array(SecretPathSchema);

type Json = string | number | boolean | null | bigint | Json[] | { [key: string]: Json };
export const SecretValueSchema: ZodMiniType<Json> = lazy(() =>
  union([string(), finite(), boolean(), nullType(), bigint(), array(SecretValueSchema), record(string(), SecretValueSchema)]),
);

export const MetadataSchema = record(nonEmpty(), union([string(), finite(), boolean(), nullType()]));

export const SetOptionsSchema = optional(strictObject({ metadata: optional(MetadataSchema) }));

/** A duration: whole seconds, or Vault's text (`"15m"`, `"1h"`, `"3600"`). */
const DurationSchema = union([int().check(minimum(0)), nonEmpty()]);

export const CredsPathSchema = nonEmpty();
export const LeaseIdSchema = nonEmpty();
export const DynamicOptionsSchema = optional(strictObject({ ttl: optional(DurationSchema) }));
export const RenewOptionsSchema = optional(strictObject({ increment: optional(DurationSchema) }));

/** Parses an SDK input; a failure is a one-line SecretsError naming what was wrong (no value). */
export function parseInput<T>(schema: ZodMiniType<T>, input: unknown, what: string): T {
  return parseWith(schema, input, ([issue]) => {
    const at = issue.path.length ? ` at ${issue.path.map(String).join(".")}` : "";
    // zod's messages may quote the received value for some checks; only the issue's code is used here.
    const reason =
      issue.code === "unrecognized_keys"
        ? `unknown option ${issue.keys.join(", ")}`
        : issue.code === "invalid_type"
          ? `expected ${issue.expected}`
          : issue.code === "custom"
            ? // Our own refinements' fixed texts (above), which never quote the input.
              issue.message
            : issue.code.replace(/_/g, " ");
    return new SecretsError("usage", `invalid ${what}${at}: ${reason}`);
  });
}
