/**
 * A repository configuration file in YAML checked by its zod schema: the server's own files
 * (`.secrets/…`), whose problems are the server's configuration (kind `config`, a 500), named by
 * the file and the field, never quoting a value. An empty file is an empty map.
 */
import { parse as parseYaml } from "yaml";
import type { $ZodType, output } from "zod/v4/core";
import { SecretsError } from "../errors.js";
import { parseWith } from "./zod-error.js";

export function parseYamlConfig<S extends $ZodType>(schema: S, text: string, shown: string): output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new SecretsError("config", `${shown} is not valid YAML`, { cause: e });
  }
  return parseWith(schema, raw, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
}
