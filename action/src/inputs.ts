import * as core from "@actions/core";
import { z } from "zod";
import { ActionFailure } from "./failure.js";
import { safe, type SafeText } from "./safe-text.js";

/**
 * The Action's inputs, read from the runner's INPUT_* variables and validated by one zod schema.
 *
 * Inputs are read untrimmed (`trimWhitespace: false`) and trimmed here, so that the real toolkit
 * (which trims by default) and `@github/local-action`'s stub (which does not) give the same result.
 * A validation error names the input and never quotes what was given: `age-key` is a secret, and the
 * others may hold text that is not meant for the log.
 */

/** Input ids as declared in action.yml (kebab-case; the runner keeps the hyphens in INPUT_*). */
export const INPUT_IDS = ["mode", "age-key", "files", "secrets", "dynamic", "export-env", "allow-unauthenticated", "dotenv-file", "working-directory", "github-token", "base", "head", "fail-on-overdue"] as const;
export type InputId = (typeof INPUT_IDS)[number];

/** Non-blank lines, trimmed; lines starting with `#` are comments. Keeps 1-based line numbers for messages. */
const lines = z.string().transform((text) =>
  text
    .split(/\r\n|\r|\n/)
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }))
    .filter((l) => l.text !== "" && !l.text.startsWith("#")),
);

// YAML 1.2 core schema booleans, as the toolkit's getBooleanInput accepts them; empty means the default.
const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .pipe(z.enum(["", "true", "True", "TRUE", "false", "False", "FALSE"]))
    .transform((v) => (v === "" ? fallback : v.toLowerCase() === "true"));

const optionalText = z.string().trim();

export const InputsSchema = z.object({
  mode: z
    .string()
    .trim()
    .transform((m) => (m === "" ? "decrypt" : m))
    .pipe(z.enum(["decrypt", "verify", "policy-review"])),
  // Kept verbatim: identity parsing handles CRLF and blank lines, and trimming could hide nothing useful.
  "age-key": z.string(),
  files: lines,
  secrets: lines,
  dynamic: lines,
  "export-env": bool(false),
  "allow-unauthenticated": bool(false),
  "dotenv-file": optionalText,
  "working-directory": optionalText.transform((d) => (d === "" ? "." : d)),
  "github-token": optionalText,
  base: optionalText,
  head: optionalText,
  "fail-on-overdue": bool(false),
});

export type Inputs = z.infer<typeof InputsSchema>;
export type SelectorLine = Inputs["secrets"][number];

const expectations: Record<InputId, SafeText> = {
  mode: safe`must be one of decrypt, verify, policy-review`,
  "age-key": safe`must be text`,
  files: safe`must be glob patterns, one per line`,
  secrets: safe`must be selector lines`,
  dynamic: safe`must be credentials paths, one per line`,
  "export-env": safe`must be true or false`,
  "allow-unauthenticated": safe`must be true or false`,
  "dotenv-file": safe`must be a path`,
  "working-directory": safe`must be a path`,
  "github-token": safe`must be a token`,
  base: safe`must be a commit`,
  head: safe`must be a commit`,
  "fail-on-overdue": safe`must be true or false`,
};

/** Reads every input. Throws ActionFailure naming the first invalid input, without its value. */
export function readInputs(): Inputs {
  const raw: Record<string, string> = {};
  for (const id of INPUT_IDS) raw[id] = core.getInput(id, { trimWhitespace: false });
  const parsed = InputsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const id = parsed.error.issues[0]?.path[0];
  const known = INPUT_IDS.find((x) => x === id);
  if (!known) throw new ActionFailure(safe`invalid inputs`);
  throw new ActionFailure(safe`input ${inputName(known)} ${expectations[known]}`);
}

/** An input id as printable text (they are fixed identifiers). */
export function inputName(id: InputId): SafeText {
  return safe`${id as SafeText}`;
}
