import { z } from "zod";
import { SecretsError } from "../errors.js";
import type { SecretsClientOptions } from "../secrets/types.js";

/** The SDK's inputs, parsed with zod. Messages name the option, never a value given for it. */

export const ClientOptionsSchema = z.strictObject({
  root: z.string().min(1).optional(),
  identities: z.array(z.string()).optional(),
  url: z.string().optional(),
  token: z.string().optional(),
  cwd: z.string().min(1).optional(),
}) satisfies z.ZodType<SecretsClientOptions>;

export const SecretPathSchema = z.string();
export const PrefixSchema = z.string();
export const PathListSchema = z.array(SecretPathSchema);

type Json = string | number | boolean | null | bigint | Json[] | { [key: string]: Json };
export const SecretValueSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number().refine(Number.isFinite, "must be a finite number"), z.boolean(), z.null(), z.bigint(), z.array(SecretValueSchema), z.record(z.string(), SecretValueSchema)]),
);

export const MetadataSchema = z.record(z.string().min(1), z.union([z.string(), z.number().refine(Number.isFinite, "must be a finite number"), z.boolean(), z.null()]));

export const SetOptionsSchema = z.strictObject({ metadata: MetadataSchema.optional() }).optional();

/** Parses an SDK input; a failure is a one-line SecretsError naming what was wrong (no value). */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.length ? ` at ${issue.path.map(String).join(".")}` : "";
  // zod's own messages may quote the received value for some checks; only its code is used here.
  const reason =
    issue.code === "unrecognized_keys"
      ? `unknown option ${(issue as { keys?: string[] }).keys?.join(", ")}`
      : issue.code === "invalid_type"
        ? `expected ${(issue as { expected?: string }).expected ?? "another type"}`
        : issue.code.replace(/_/g, " ");
  throw new SecretsError("usage", `invalid ${what}${at}: ${reason}`);
}
