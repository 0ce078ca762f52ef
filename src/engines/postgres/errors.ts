/**
 * What `pg` and the server say, made into a SecretsError that can be shown anywhere: the message
 * and SQLSTATE only (never `detail`, `where` or the query, which may hold a statement with a
 * password in it), with every secret the operation handled (the admin password in all its forms,
 * the new credential's password and its SCRAM verifier) replaced by `[password]`, as Vault's
 * DatabaseErrorSanitizerMiddleware does. No `cause` is kept: a `pg` error carries its query and
 * connection parameters.
 *
 * The kind says whether trying again may help: `engine-unavailable` when the server could not be
 * reached, dropped the connection, is starting or shutting down, has no free connection slot, or
 * aborted the transaction for a conflict (SQLSTATE classes 08, 57P0x, 53300, 40001, 40P01);
 * `engine-failed` for anything else (a statement refused, the admin's login refused).
 */
import { SecretsError } from "../../errors.js";

const TRANSIENT_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
const TRANSIENT_SQLSTATE = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);
/** pg's own texts for a connection that failed or was cut (lib/client.js). */
const TRANSIENT_TEXT = /Connection terminated|timeout expired|connection timeout|Client has encountered a connection error/i;

/** `text` with each secret replaced by `[password]`, longest first (one may contain another). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join("[password]");
  return out;
}

function fieldOf(e: unknown, name: string): string | undefined {
  if (typeof e !== "object" || e === null || !(name in e)) return undefined;
  const v = (e as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

/** Whether retrying may succeed. */
export function isTransient(e: unknown): boolean {
  const code = fieldOf(e, "code");
  if (code !== undefined && (TRANSIENT_ERRNO.has(code) || TRANSIENT_SQLSTATE.has(code) || code.startsWith("08"))) return true;
  return TRANSIENT_TEXT.test(fieldOf(e, "message") ?? "");
}

/**
 * The SecretsError for a failure while `what` (`creating the login role`) on connection `name`.
 * A SecretsError thrown by our own code inside the operation passes through unchanged.
 */
export function databaseError(name: string, what: string, e: unknown, secrets: readonly string[]): SecretsError {
  if (e instanceof SecretsError) return e;
  const code = fieldOf(e, "code");
  const raw = fieldOf(e, "message") ?? (e instanceof Error ? e.name : "unknown error");
  const message = redactSecrets(raw, secrets).replace(/\s+/g, " ").trim();
  // errno codes (EPIPE) look alike; no SQLSTATE class starts with E.
  const sqlstate = code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("E") ? ` (SQLSTATE ${code})` : "";
  const transient = isTransient(e);
  const prefix = transient ? "could not reach the database: " : "";
  return new SecretsError(transient ? "engine-unavailable" : "engine-failed", `database ${name}: ${what}: ${prefix}${message}${sqlstate}`);
}
