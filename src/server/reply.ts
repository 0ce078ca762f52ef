/**
 * What a handler answers, before it is written: a status and a JSON body (already encoded, or a
 * value to encode), and for the audit log the `data` the response carried. Written by
 * {@link writeReply} as Vault writes it: `Content-Type: application/json` exactly, a json.Encoder's
 * final newline, `Cache-Control: no-store` on every response (http/handler.go wrapGenericHandler).
 */
import type http from "node:http";
import type { AuditAuthInput, AuditDataValue } from "../audit-log/index.js";
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
  /** The token the response issued (a login), for the audit line, where its token and accessor are HMAC'd. */
  auditAuth?: AuditAuthInput;
}

/** An error reply `{"errors":[…]}`. */
export function errorReply(status: number, ...messages: string[]): Reply {
  return { status, body: errorBody(...messages), ...(messages.length ? { auditError: messages.join("; ") } : {}) };
}

/** Writes `reply`; for HEAD the headers only (Vault's sys/health HEAD sends no body). */
export function writeReply(res: http.ServerResponse, reply: Reply, head = false): void {
  res.statusCode = reply.status;
  res.setHeader("Cache-Control", "no-store");
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
