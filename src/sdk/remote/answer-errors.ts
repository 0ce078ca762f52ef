import { SecretsError } from "../../errors.js";
import { PermissionDenied, ServerUnavailable } from "../../secrets/errors.js";
import { readJsonAnswer } from "./json.js";
import { ErrorBody } from "./responses.js";

/**
 * A server's error answer as the SDK's typed error. The statuses are Vault's: 403 is
 * PermissionDenied (no token, an unknown or expired one, or a policy without the capability), 502,
 * 503 (a sealed server too) and 504 are ServerUnavailable, 400 a usage error carrying the server's
 * reason, anything else a generic error naming the status. (A 404 means "no such secret" only to
 * the caller, which knows what it asked for; here it is a route the server does not have.)
 *
 * The server's own texts are passed on because they say what was wrong (a check-and-set mismatch,
 * custom_metadata over Vault's limits), but made safe first: the token is cut out wherever it
 * appears, a text is one line and at most 300 characters, and SecretsError redacts key material.
 * A Vault error text never holds a secret's value.
 */

export interface AnswerContext {
  /** `GET secret/data/app`: the method and the path under /v1/, for messages. */
  what: string;
  /** The server's address for messages. */
  server: string;
  token: string | undefined;
  /** How many times the request was sent. */
  attempts: number;
}

/** go-multierror's text (`1 error occurred:\n\t* x\n\n`), as Vault wraps many errors, as its parts. */
function unwrapMultiError(given: string): string[] {
  // `secrets serve` (so far) sends some of these texts with their newlines and tabs escaped
  // (`1 error occurred:\n\t* …` as backslash sequences): read those the same way.
  const text = /^\d+ errors? occurred:\\n\\t\* /.test(given) ? given.replace(/\\n/g, "\n").replace(/\\t/g, "\t") : given;
  const header = /^\d+ errors? occurred:\n\t\* /.exec(text);
  if (!header) return [text];
  return text.slice(header[0].length).replace(/\n+$/, "").split("\n\t* ");
}

/** The `errors` of an error answer, unwrapped; [] when the body is none or not Vault's. */
export function errorTexts(body: Uint8Array): string[] {
  if (body.length === 0) return [];
  try {
    const parsed = ErrorBody.safeParse(readJsonAnswer(body, "an error answer").plain);
    return parsed.success ? parsed.data.errors.flatMap(unwrapMultiError) : [];
  } catch {
    return [];
  }
}

/** A server text fit for a message: no token, one line, bounded. */
export function cleanText(text: string, token: string | undefined): string {
  let t = token ? text.split(token).join("[token]") : text;
  t = t.replace(/\s+/g, " ").trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

export function answerError(status: number, body: Uint8Array, ctx: AnswerContext): SecretsError {
  const texts = errorTexts(body).map((t) => cleanText(t, ctx.token)).filter((t) => t !== "");
  const reason = texts.length ? `: ${texts.join("; ")}` : "";
  if (status === 403) {
    const hint = ctx.token === undefined ? " (no token was given: pass token, set VAULT_TOKEN or write ~/.vault-token)" : texts.some((t) => t.includes("invalid token")) ? " (the token is unknown or expired)" : "";
    return new PermissionDenied(`permission denied: ${ctx.what} at ${ctx.server}${hint}`);
  }
  if (status === 502 || status === 503 || status === 504) {
    const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : "";
    return new ServerUnavailable(`the server at ${ctx.server} is unavailable (${status}${reason})${tries}`);
  }
  if (status === 400) return new SecretsError("usage", `the server refused ${ctx.what}${reason}`);
  return new SecretsError("generic", `the server at ${ctx.server} answered ${ctx.what} with ${status}${reason}`);
}
