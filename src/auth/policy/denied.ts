/**
 * What Vault answers when a policy refuses a request: 403 with the error text of a one-error
 * go-multierror around logical.ErrPermissionDenied (vault/request_handling.go handleRequest returns
 * logical.ErrorResponse(ctErr.Error()) for the multierror CheckToken built), written by
 * sdk/logical RespondError, a json.Encoder, hence the final newline.
 */

/** logical.ErrPermissionDenied's text. */
export const PERMISSION_DENIED = "permission denied";

/** The status of a denied request (logical.RespondErrorCommon: ErrPermissionDenied → 403). */
export const PERMISSION_DENIED_STATUS = 403;

/** The single entry of `errors` for a request the ACL denies. */
export const PERMISSION_DENIED_ERROR = "1 error occurred:\n\t* permission denied\n\n";

/** The exact response body Vault sends for a request the ACL denies. */
export const PERMISSION_DENIED_BODY = JSON.stringify({ errors: [PERMISSION_DENIED_ERROR] }) + "\n";
