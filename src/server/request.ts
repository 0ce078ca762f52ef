/**
 * What the server reads from an HTTP request before routing it, as Vault's http package does:
 * - the path below `/v1/`, percent-decoded (Go's `URL.Path`); a `.` or `..` segment is refused
 *   with 400 `path cannot contain parent references` (Go's mux would redirect to the cleaned
 *   path; a secret path is never meant to be cleaned);
 * - the token from `X-Vault-Token`, else the first `Authorization: Bearer …` (http/handler.go
 *   getTokenFromReq). A token in the query string is not a token: Vault never reads one there, so
 *   such a request is unauthenticated (and the parameter is only request data, HMAC'd in the log);
 * - `X-Vault-Request` is not required and `X-Vault-Namespace` is ignored, as in Vault's community
 *   edition (namespaces are an Enterprise feature: every request is in the root namespace);
 * - the body, for the methods that carry one, up to 32 MiB (DefaultMaxRequestSize); what it holds is
 *   decoded in request-body.ts.
 *
 * A path with a `%` not followed by two hex digits is refused before anything else, as Go's
 * net/http refuses the request line (url.ParseRequestURI): the caller answers Go's plain-text 400
 * and closes the connection; such a request never reaches Vault's handlers, so it is not audited.
 */
import type http from "node:http";
import { goPathUnescape } from "../util/go-url.js";
import { methodOf } from "./http/list-method.js";
import { MAX_REQUEST_SIZE, PARENT_REFERENCES } from "./vault-errors.js";

export interface ParsedRequest {
  /** As sent: `LIST` included. */
  readonly method: string;
  /** Below `/v1/`, decoded, no leading slash; a trailing slash is kept. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The query string as sent, without its `?`. */
  readonly rawQuery: string;
  /** The token the request carries, or undefined. */
  readonly token: string | undefined;
}

export type ParseOutcome = { ok: true; request: ParsedRequest } | { ok: false; status: 400; message: string } | { ok: false; status: "not-api" } | { ok: false; status: "bad-request-line" };

/** http/handler.go getTokenFromReq. */
export function tokenOf(headers: http.IncomingHttpHeaders): string | undefined {
  const vaultToken = headers["x-vault-token"];
  const first = Array.isArray(vaultToken) ? vaultToken[0] : vaultToken;
  if (first) return first;
  // node joins repeated Authorization headers with ", "; Vault reads the first Bearer one.
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) {
    const token = auth.slice("Bearer ".length).trim();
    return token === "" ? undefined : token;
  }
  return undefined;
}

export function parseRequest(req: http.IncomingMessage): ParseOutcome {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const path = goPathUnescape(rawPath);
  if (path === null) return { ok: false, status: "bad-request-line" };
  if (!path.startsWith("/v1/")) return { ok: false, status: "not-api" };
  const below = path.slice("/v1/".length);
  if (below.split("/").some((s) => s === "." || s === "..")) return { ok: false, status: 400, message: PARENT_REFERENCES };
  const rawQuery = q === -1 ? "" : raw.slice(q + 1);
  return { ok: true, request: { method: methodOf(req), path: below, query: new URLSearchParams(rawQuery), rawQuery, token: tokenOf(req.headers) } };
}

/** Whether Vault reads a body for this method (http/logical.go buildLogicalRequestNoAuth). */
export function carriesBody(method: string): boolean {
  return method === "POST" || method === "PUT" || method === "PATCH";
}

/** The body, or "too-large" past `max` bytes (then the rest is not read). */
export function readBody(req: http.IncomingMessage, max = MAX_REQUEST_SIZE): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        resolve("too-large");
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** http/logical.go MergePatchContentTypeHeader: the only body a PATCH takes. */
export const MERGE_PATCH_CONTENT_TYPE = "application/merge-patch+json";

/**
 * What http/logical.go buildLogicalRequestNoAuth answers a PATCH whose Content-Type is not a JSON
 * merge patch, before anything else is looked at: 400 with Go's mime.ParseMediaType error when
 * there is no media type, else 415; null for a merge patch. Media types are compared in lower
 * case, without their parameters (ParseMediaType).
 */
export function patchContentTypeError(headers: http.IncomingHttpHeaders): { status: 400 | 415; message: string } | null {
  const header = headers["content-type"] ?? "";
  const mediaType = header.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "") return { status: 400, message: "mime: no media type" };
  if (mediaType === MERGE_PATCH_CONTENT_TYPE) return null;
  return { status: 415, message: `PATCH requires Content-Type of ${MERGE_PATCH_CONTENT_TYPE}, provided ${mediaType}` };
}
