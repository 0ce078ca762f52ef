/**
 * The shape of `.sops.yaml` errors (docs/sops-format.md §10).
 *
 * Errors are SecretsError kind `config`, one line, shaped like compiler output so editors can jump
 * to them: `/repo/.sops.yaml:12:9: creation_rules[1].age: invalid age recipient "age1…": bad checksum`.
 * The config path is in the message itself, so callers should not also attach it with `withFile`.
 */
import { SecretsError } from "../errors.js";

/** `file:line:col: message` (or `file: message` without a position), kind `config`. */
export function configError(file: string, pos: { line: number; col: number } | undefined, message: string, cause?: unknown): SecretsError {
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return new SecretsError("config", `${where}: ${message}`, cause === undefined ? {} : { cause });
}

/** `creation_rules[1].key_groups[0].age` */
export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of p) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out ? "." : "") + String(seg);
  }
  return out;
}
