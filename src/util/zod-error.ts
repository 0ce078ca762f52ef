import { safeParse, type $ZodIssue, type $ZodType, type output } from "zod/v4/core";
import type { SecretsError } from "../errors.js";

/**
 * The one place a zod result becomes a SecretsError, for the classic and the mini API alike (both
 * are zod's core underneath; only the core is imported here, so the SDK stays on zod/mini).
 *
 * `toError` gets the problems in zod's order (never empty) and the ZodError as the cause to keep; it
 * builds the one-line message. The message must not quote the input: name the option, path or
 * field, and use an issue's code, expected type or allowed values, not what was received.
 */
export function parseWith<S extends $ZodType>(schema: S, input: unknown, toError: (issues: readonly [$ZodIssue, ...$ZodIssue[]], cause: unknown) => SecretsError): output<S> {
  const r = safeParse(schema, input);
  if (r.success) return r.data;
  throw toError(r.error.issues as [$ZodIssue, ...$ZodIssue[]], r.error);
}

/** `--dry-run` for the option commander calls `dryRun`: how an option key is named in messages. */
export function optionFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
