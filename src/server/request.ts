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
 * - the body, for the methods that carry one, up to 32 MiB (DefaultMaxRequestSize).
 */
import type http from "node:http";
import { parseJsonObject } from "../sops/stores/gojson.js";
import { toPlain } from "../sops/tree.js";
import { methodOf } from "./http/list-method.js";
import { MAX_REQUEST_SIZE, PARENT_REFERENCES } from "./vault-errors.js";

export interface ParsedRequest {
  /** As sent: `LIST` included. */
  readonly method: string;
  /** Below `/v1/`, decoded, no leading slash; a trailing slash is kept. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The token the request carries, or undefined. */
  readonly token: string | undefined;
}

export type ParseOutcome = { ok: true; request: ParsedRequest } | { ok: false; status: 400; message?: string } | { ok: false; status: "not-api" };

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
  if (!rawPath.startsWith("/v1/")) return { ok: false, status: "not-api" };
  let path: string;
  try {
    path = decodeURIComponent(rawPath.slice("/v1/".length));
  } catch {
    return { ok: false, status: 400 };
  }
  if (path.split("/").some((s) => s === "." || s === "..")) return { ok: false, status: 400, message: PARENT_REFERENCES };
  return { ok: true, request: { method: methodOf(req), path, query: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)), token: tokenOf(req.headers) } };
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

/**
 * http/logical.go: an empty body is no data (null); a body that is not JSON is 400 `error parsing
 * JSON` ("bad-json"). Vault decodes numbers as json.Number (jsonutil.DecodeJSON, UseNumber), so an
 * integer beyond 2^53 keeps its digits: an object body goes through the format layer's JSON reader,
 * which keeps such an integer exact (a bigint); what that reader refuses (a repeated key, of which Go
 * keeps the last; bytes that are not UTF-8) is parsed by JSON.parse, as before.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") return null;
  if (/^[ \t\n\r]*\{/.test(text)) {
    try {
      return toPlain(parseJsonObject(body));
    } catch {
      // JSON.parse decides, below.
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return BAD_JSON;
  }
}

/** The marker {@link parseJsonBody} returns for a body that is not JSON. */
export const BAD_JSON: unique symbol = Symbol("bad-json");
