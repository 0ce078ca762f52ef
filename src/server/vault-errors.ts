/**
 * Vault's error bodies and strings, for the answers the server builds itself. An error response is
 * `{"errors":[…]}` with `Content-Type: application/json`, written by a json.Encoder (hence the final
 * newline): sdk/logical/response_util.go RespondError. Vault's messages are Go error texts, and a
 * go-multierror prints as `N error(s) occurred:\n\t* …\n\n` (hashicorp/go-multierror format.go).
 */
import { PERMISSION_DENIED } from "../auth/policy/index.js";
import { SecretsError, type ErrorKind } from "../errors.js";
import { redactKeyMaterial } from "../util/safe-text.js";
import { goEncode } from "./vault-json.js";

/** An error body: what RespondError writes for these messages (none: `{"errors":[]}`). */
export function errorBody(...messages: string[]): string {
  return `${goEncode({ errors: messages }, false)}\n`;
}

/** go-multierror's ListFormatFunc: how Vault prints an error that wraps several. */
export function multiError(...messages: string[]): string {
  const head = messages.length === 1 ? "1 error occurred:" : `${messages.length} errors occurred:`;
  return `${head}\n${messages.map((m) => `\t* ${m}`).join("\n")}\n\n`;
}

/** sdk/helper/consts/error.go ErrSealed: every logical request while sealed, with 503 (AdjustErrorStatusCode). */
export const SEALED = "Vault is sealed";

/** sdk/logical/error.go ErrInvalidToken. */
export const INVALID_TOKEN = "invalid token";

/**
 * A request without a token: vault/request_handling.go fetchACLTokenEntryAndEntity returns the bare
 * logical.ErrPermissionDenied, which handleRequest answers as `logical.ErrorResponse(err.Error())`.
 */
export const MISSING_TOKEN_BODY = errorBody(PERMISSION_DENIED);

/**
 * A token that is unknown, revoked or expired: the same function returns ErrPermissionDenied and
 * ErrInvalidToken in one multierror (Vault ≥ 1.17; http/token_test.go TestToken_InvalidTokenError).
 */
export const INVALID_TOKEN_BODY = errorBody(multiError(PERMISSION_DENIED, INVALID_TOKEN));

/** vault/router.go routeCommon: a path under no mount, 404 (logical.ErrUnsupportedPath). */
export function noHandlerForRoute(path: string): string {
  return `no handler for route ${JSON.stringify(path)}. route entry not found.`;
}

/** sdk/logical/error.go ErrUnsupportedOperation: a method the path does not take, 405. */
export const UNSUPPORTED_OPERATION = "unsupported operation";

/** vault/request_handling.go: an audit line that cannot be written fails the request with ErrInternalError, 500. */
export const INTERNAL_ERROR_BODY = errorBody(multiError("internal error"));

/**
 * A logical request's body past the cap: http/handler.go parseJSONRequest wraps the MaxBytesReader's
 * error ("failed to parse JSON input: http: request body too large"), and http/logical.go
 * buildLogicalRequestNoAuth answers it with its own `error parsing JSON`, the status made 413 by
 * logical.AdjustErrorStatusCode (which finds "http: request body too large" in the wrapped chain).
 * Only Vault's non-logical handlers (sys/init, sys/unseal…, which this server does not have) show
 * the wrapped text.
 */
export const BODY_TOO_LARGE_BODY = errorBody("error parsing JSON");

/** http/handler.go DefaultMaxRequestSize (listener `max_request_size`): 32 MiB. */
export const MAX_REQUEST_SIZE = 32 * 1024 * 1024;

/** sdk/helper/consts/error.go ErrPathContainsParentReferences, 400. */
export const PARENT_REFERENCES = "path cannot contain parent references";

/**
 * vault-plugin-secrets-kv backend.go: a path of a version 2 mount that is none of its endpoints
 * (e.g. `secret/app` instead of `secret/data/app`) answers 404 with this warning in an envelope.
 */
export function kvInvalidPathWarning(cliVerb: string): string {
  return `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${cliVerb}' for this operation.`;
}

/** sdk/logical/error.go ErrUnsupportedPath: a path inside a mount that none of its endpoints takes, 404. */
export const UNSUPPORTED_PATH = "unsupported path";

/**
 * A request error whose Vault text spans lines (a go-multierror list, e.g. the KV plugin's
 * custom_metadata validation): the SecretsError message is its one safe line, for logs and the
 * CLI; `vaultText` is what the error body carries, line breaks kept and key material redacted
 * (the JSON encoder escapes every control character in the body).
 */
export class VaultTextError extends SecretsError {
  readonly vaultText: string;

  constructor(kind: ErrorKind, vaultText: string) {
    super(kind, vaultText);
    this.vaultText = redactKeyMaterial(vaultText);
  }
}

/** The text a response carries for `e`: its Vault text when it has one, else its message. */
export function vaultMessageOf(e: SecretsError): string {
  return e instanceof VaultTextError ? e.vaultText : e.message;
}
