/**
 * The one HTTP client of the JWT auth method: a GET of a JWKS or an OIDC discovery document, as
 * cap/jwt and go-oidc make it (keyset.go, jwks.go) — plain `http:` or `https:` with the system's
 * CAs, or only those of a configured PEM (`jwks_ca_pem`, `oidc_discovery_ca_pem`). Bounded: a
 * timeout and a size cap, since a login waits on it. No redirect is followed (Go's client would;
 * a key URL that moves is a configuration to fix, not something to follow silently).
 *
 * Errors read as Go's `http.Client.Do` errors read (`Get "<url>": <reason>`), never with a body.
 */
import http from "node:http";
import https from "node:https";

export interface HttpGetOptions {
  /** PEM CA certificate(s); empty: the system's. */
  readonly caPem?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export interface HttpGetResult {
  readonly status: number;
  /** Go's `resp.Status`: `200 OK`. */
  readonly statusLine: string;
  readonly contentType: string;
  readonly body: string;
}

/** What the auth method asks of the network: one GET. Tests and the server pass {@link httpGet}. */
export type HttpGetter = (url: string, options?: HttpGetOptions) => Promise<HttpGetResult>;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

export const httpGet: HttpGetter = (url, options = {}) => {
  const fail = (reason: string): Error => new Error(`Get ${JSON.stringify(url)}: ${reason}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(fail("unsupported protocol scheme"));
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return Promise.reject(fail(`unsupported protocol scheme ${JSON.stringify(parsed.protocol.replace(/:$/, ""))}`));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const done = (e: Error): void => reject(e);
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          res.destroy();
          done(fail("response body too large"));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({ status, statusLine: `${status} ${res.statusMessage ?? ""}`.trim(), contentType: res.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (e) => done(fail(e.message)));
    };
    const request =
      parsed.protocol === "https:"
        ? https.get(parsed, { ...(options.caPem ? { ca: options.caPem } : {}), timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, agent: false }, onResponse)
        : http.get(parsed, { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, agent: false }, onResponse);
    request.on("timeout", () => request.destroy(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")));
    request.on("error", (e) => done(fail(e.message)));
  });
};
