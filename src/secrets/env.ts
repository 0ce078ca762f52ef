import { SecretsError } from "../errors.js";
import { formatYamlFloat } from "../sops/gofmt.js";
import { Branch, SopsFloat, SopsInt, SopsTime, type Value } from "../sops/tree.js";
import type { EncryptionRule } from "../sops/metadata.js";
import { toSecretValue } from "./entries.js";
import { displayPath } from "./resolve.js";

/**
 * Secrets as environment variables (`secrets run`, `secrets export`). A value's variable name is its
 * key path inside its file in UPPER_SNAKE: `DATABASE_URL` stays `DATABASE_URL`, `postgres.password`
 * becomes `POSTGRES_PASSWORD`, `apiKey` `API_KEY`, `max-conns` `MAX_CONNS`. The file's own name is not
 * part of it, so a value imported from `.env` comes back under its `.env` name.
 */

/** UPPER_SNAKE of one key: camelCase split, anything but letters, digits and `_` turned into `_`. */
function snake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .toUpperCase();
}

export function envName(keyPath: readonly string[]): string {
  const name = keyPath.map(snake).join("_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The text of a value in the environment: strings as they are; numbers, booleans as sops prints them; lists as JSON. */
export function envValue(v: Value, rule: EncryptionRule): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof SopsInt) return v.value.toString();
  if (v instanceof SopsFloat) return formatYamlFloat(v.value);
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  const plain = toSecretValue(v instanceof Branch ? v : v, rule);
  return JSON.stringify(plain, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

export interface EnvSource {
  keyPath: string[];
  value: Value;
  rule: EncryptionRule;
  file: string;
}

/**
 * The variables for a selection. Two values that would get the same name are an error (naming both
 * origins): silently picking one would hide which secret a process runs with.
 */
export function buildEnvironment(sources: readonly EnvSource[]): Map<string, string> {
  const out = new Map<string, string>();
  const origin = new Map<string, string>();
  for (const s of sources) {
    const name = envName(s.keyPath);
    const from = `${displayPath(s.file)} (${s.keyPath.join(".")})`;
    const prev = origin.get(name);
    if (prev !== undefined) {
      throw new SecretsError("conflict", `two secrets would be ${name}: ${prev} and ${from}; narrow the selection with --env, --file or --only`);
    }
    const value = envValue(s.value, s.rule);
    if (value.includes("\0")) throw new SecretsError("usage", `${from} cannot be an environment variable: its value contains a NUL byte`);
    if (name === "") throw new SecretsError("usage", `${displayPath(s.file)}: a key path gives an empty variable name`);
    origin.set(name, from);
    out.set(name, value);
  }
  return out;
}
