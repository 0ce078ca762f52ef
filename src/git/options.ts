import * as z from "zod/mini";
import { SecretsError } from "../errors.js";
import { optionFlag, parseWith } from "../util/zod-error.js";

/**
 * The option objects commander hands to this area's commands, validated before use. zod/mini keeps
 * this cheap: `git textconv` and `merge-driver` run once per file in a diff or merge.
 */

const str = z.optional(z.string());
const flag = z.optional(z.boolean());

export const LogOptions = z.object({ format: z._default(z.enum(["table", "json"]), "table"), values: flag, since: str, inputType: str });
export const ShowOptions = z.object({ rev: z.string().check(z.minLength(1)), outputType: str, inputType: str, ignoreMac: flag });
export const DiffOptions = z.object({ staged: flag, cached: flag, values: flag, format: z._default(z.enum(["text", "json"]), "text"), exitCode: flag });
export const SetupOptions = z.object({ hooks: flag, showValues: flag, command: str, force: flag, config: str });
export const TextconvOptions = z.object({ values: flag });
export const CheckOptions = z.object({ staged: flag, config: str });
export const AuditOptions = z.object({ since: str, format: z._default(z.enum(["markdown", "json"]), "markdown"), config: str });

/** Parses options; a bad one is a one-line usage error naming the option. */
export function parseOptions<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  return parseWith(schema, value, ([issue]) => {
    const allowed = issue.code === "invalid_value" ? ` (expected one of ${issue.values.map(String).join(", ")})` : "";
    return new SecretsError("usage", `invalid ${optionFlag(issue.path.map(String).join("."))}${allowed}`);
  });
}
