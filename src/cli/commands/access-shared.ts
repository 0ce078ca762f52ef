import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { optionFlag, parseWith } from "../../util/zod-error.js";

/** What the access, verify and policy commands share: option parsing. */

/**
 * Parses a command's options (as commander hands them over) with a zod schema; the first problem
 * becomes a one-line usage error naming the option.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  return parseWith(schema, raw, ([issue]) => {
    const name = issue.path.length ? `${optionFlag(String(issue.path[0]))}: ` : "";
    return new SecretsError("usage", `${name}${issue.message}`);
  });
}

export const formatEnum = <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.enum(values, { error: `expected ${values.join(" or ")}` }).default(fallback as never);
