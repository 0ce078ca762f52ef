/**
 * What a handler answers, before it is written: a status and a JSON body (already encoded, or a
 * value to encode), and for the audit log the `data` the response carried. Written by
 * {@link writeReply} as Vault writes it: `Content-Type: application/json` exactly, a json.Encoder's
 * final newline, `Cache-Control: no-store` on every response (http/handler.go wrapGenericHandler).
 */
import type http from "node:http";
import type { AuditAuthInput, AuditDataValue } from "../audit-log/index.js";
import { isSecretsError } from "../errors.js";
import { errorBody } from "./vault-errors.js";

export interface Reply {
  status: number;
  /** The encoded body; undefined for none (HEAD, 204). */
  body?: string;
  /** The response's `data`, for the audit line (strings HMAC'd there). */
  auditData?: Readonly<Record<string, AuditDataValue>>;
  /** The response's error text, for the audit line. */
  auditError?: string;
  /** The response's warnings, for the audit line. */
  warnings?: readonly string[];
  /** The token the response issued or renewed (its `auth` block), for the audit line's `response.auth`. */
  auditAuth?: AuditAuthInput;
  /**
   * A raw body in place of JSON (Vault's `HTTPRawBody` with `HTTPContentType`: a PKI mount's
   * `ca/pem`, `crl`): written as it is with its content type.
   */
  raw?: { contentType: string; bytes: Uint8Array };
  /** Headers a raw response sets over the defaults (Vault's HTTPCacheControlHeader: the discovery document's `max-age`). */
  headers?: Readonly<Record<string, string>>;
}

/** An error reply `{"errors":[…]}`. */
export function errorReply(status: number, ...messages: string[]): Reply {
  return { status, body: errorBody(...messages), ...(messages.length ? { auditError: messages.join("; ") } : {}) };
}

/** Writes `reply`; for HEAD the headers only (Vault's sys/health HEAD sends no body). */
export function writeReply(res: http.ServerResponse, reply: Reply, head = false): void {
  res.statusCode = reply.status;
  res.setHeader("Cache-Control", "no-store");
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.raw) {
    res.setHeader("Content-Type", reply.raw.contentType);
    res.setHeader("Content-Length", reply.raw.bytes.length);
    res.end(head ? undefined : reply.raw.bytes);
    return;
  }
  if (reply.body !== undefined) {
    res.setHeader("Content-Type", "application/json");
    if (!head) {
      res.setHeader("Content-Length", Buffer.byteLength(reply.body));
      res.end(reply.body);
      return;
    }
  }
  res.end();
}

/**
 * Runs a backend's handler and answers a thrown request error (a SecretsError whose kind is a
 * 400) as Vault answers `logical.ErrorResponse(msg)`: a 400 whose body holds the message as it is,
 * not wrapped in a multierror (which is how an error *returned* by a handler reaches the client,
 * and how handler.ts answers any other thrown SecretsError).
 */
export async function requestErrorsAsResponses(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (e) {
    if (isSecretsError(e) && e.httpStatus === 400) return errorReply(400, e.message);
    throw e;
  }
}
