import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { optionFlag, parseWith } from "../../util/zod-error.js";
import type { LoadedConfig } from "../../policy/load.js";
import { getConfig } from "../context.js";

/** What the access, verify and policy commands share: the required config and option parsing. */

export async function requireConfig(opts: { quiet?: boolean } = {}): Promise<LoadedConfig> {
  const config = await getConfig(opts);
  if (!config) throw new SecretsError("config", "no .sops.yaml found (run `secrets init`, or pass --config)");
  return config;
}

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
