/**
 * Vault's logical operations and how an HTTP request becomes one (vault/http/logical.go
 * buildLogicalRequestNoAuth; vault/request_handling.go for create versus update).
 */

/** The operations a policy decides on (sdk/logical Operation). */
export const OPERATIONS = ["create", "read", "update", "patch", "delete", "list"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The strings Go's strconv.ParseBool accepts, which Vault uses for `?list=`. */
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's strconv.ParseBool: a boolean, or undefined for any other spelling. */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

export interface HttpOperationInput {
  readonly method: string;
  /** The `list` query parameter as given (first value), or undefined when absent. */
  readonly list?: string | undefined;
  /**
   * Whether the path already exists, for a POST/PUT to a backend with an existence check: Vault
   * makes the write a `create` when it does not. Undefined when the backend has no such check
   * (the write stays `update`).
   */
  readonly exists?: boolean | undefined;
}

/**
 * GET → read, or list when `?list=` is true in any spelling Go's ParseBool accepts; LIST → list;
 * POST and PUT → update, or create when `exists` is false; PATCH → patch; DELETE → delete.
 * Vault answers 400 (empty `errors`) for a `?list=` it cannot parse and 405 for another method;
 * HEAD and OPTIONS are not policy operations and get 405 here too (the router handles them first).
 */
export function operationForHttp(input: HttpOperationInput): { operation: Operation } | { status: 400 | 405 } {
  switch (input.method.toUpperCase()) {
    case "GET": {
      if (input.list === undefined || input.list === "") return { operation: "read" };
      const list = parseGoBool(input.list);
      if (list === undefined) return { status: 400 };
      return { operation: list ? "list" : "read" };
    }
    case "LIST":
      return { operation: "list" };
    case "POST":
    case "PUT":
      return { operation: input.exists === false ? "create" : "update" };
    case "PATCH":
      return { operation: "patch" };
    case "DELETE":
      return { operation: "delete" };
    default:
      return { status: 405 };
  }
}
