import { SecretsError } from "../errors.js";

/**
 * `secrets export` output: the variables `secrets run` would set, as
 * - `dotenv`: `NAME=value`, quoted only when needed: single quotes when the value has no `'` and no
 *   newline, else double quotes with `\n`, `\r`, `\"`, `\\` escaped (what `secrets import`, dotenv and
 *   docker compose read back);
 * - `json`: one object, names to strings;
 * - `shell`: `export NAME='value'` lines for `eval` (POSIX sh quoting).
 */

export const EXPORT_FORMATS = ["dotenv", "json", "shell"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function parseExportFormat(s: string | undefined): ExportFormat {
  const f = s ?? "dotenv";
  if ((EXPORT_FORMATS as readonly string[]).includes(f)) return f as ExportFormat;
  throw new SecretsError("usage", `unknown export format "${f}" (expected ${EXPORT_FORMATS.join(", ")})`);
}

const SAFE = /^[A-Za-z0-9_./:@%+,=-]*$/;

function dotenvValue(v: string): string {
  if (v !== "" && SAFE.test(v)) return v;
  if (!v.includes("'") && !v.includes("\n") && !v.includes("\r")) return `'${v}'`;
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export function formatEnvironment(vars: ReadonlyMap<string, string>, format: ExportFormat): string {
  const names = [...vars.keys()].sort();
  if (format === "json") {
    const o: Record<string, string> = {};
    for (const n of names) o[n] = vars.get(n)!;
    return JSON.stringify(o, null, 2) + "\n";
  }
  const invalid = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (invalid !== undefined) throw new SecretsError("dump", `${invalid} is not a valid variable name for ${format} output`);
  if (format === "shell") return names.map((n) => `export ${n}=${shellQuote(vars.get(n)!)}\n`).join("");
  return names.map((n) => `${n}=${dotenvValue(vars.get(n)!)}\n`).join("");
}
