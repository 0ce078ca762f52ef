import http from "node:http";
import https from "node:https";
import { SecretsError } from "../../errors.js";
import { ServerUnavailable } from "../../secrets/errors.js";
import { shownUrl } from "./settings.js";

/**
 * One HTTP exchange with a server over keep-alive connections (one node:http or node:https Agent
 * per client, so a client's requests reuse their TCP and TLS connections). No retries here
 * (retry.ts) and no meaning given to a status (vault-api.ts).
 *
 * A request that gets no whole answer — refused, reset, silent for longer than the timeout, cut in
 * the middle of its body — fails with ServerUnavailable naming the server and the error code only.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequest {
  method: HttpMethod;
  /** Below the server's URL, already percent-encoded, starting with `/v1/`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
}

/**
 * A request that got no whole answer. `retryable`: a failure that may pass (refused, reset, timed
 * out, cut); not one that will happen again the same way (the server's TLS certificate refused).
 */
export class ConnectionFailure extends ServerUnavailable {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** Node's codes for a TLS certificate the client refuses (node:tls, OpenSSL's X509 verify errors). */
const CERTIFICATE_REFUSED = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|ERR_TLS_CERT_ALTNAME_INVALID/;

export interface TransportOptions {
  url: URL;
  timeoutMs: number;
  /** PEM CA certificates for https (undefined: the system's). */
  ca: string | undefined;
}

/** A cap on an answer held in memory: a KV secret is far smaller (Vault caps requests at 32 MiB). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Sockets per client: a getMany of many files queues beyond this instead of opening more. */
const MAX_SOCKETS = 16;

export class HttpTransport {
  readonly #url: URL;
  readonly #timeoutMs: number;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(o: TransportOptions) {
    this.#url = o.url;
    this.#timeoutMs = o.timeoutMs;
    if (o.url.protocol === "https:") {
      this.#agent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(o.ca !== undefined ? { ca: o.ca } : {}) });
      this.#request = https.request;
    } else {
      this.#agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
      this.#request = http.request;
    }
  }

  /** The server's address for messages (no credentials). */
  get shown(): string {
    return shownUrl(this.#url);
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    const base = this.#url.pathname.replace(/\/+$/, "");
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (code: string): void => {
        if (settled) return;
        settled = true;
        reject(new ConnectionFailure(`no answer from the server at ${this.shown}: ${code}`, !CERTIFICATE_REFUSED.test(code)));
      };
      const r = this.#request(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: this.#url.port || undefined,
          path: base + req.path,
          method: req.method,
          headers,
          agent: this.#agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              if (!settled) {
                settled = true;
                reject(new SecretsError("generic", `the answer of the server at ${this.shown} is larger than ${MAX_RESPONSE_BYTES} bytes`));
              }
              res.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on("end", () => {
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on("aborted", () => fail("ECONNRESET"));
          res.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? "ECONNRESET"));
        },
      );
      r.setTimeout(this.#timeoutMs, () => {
        r.destroy();
        fail("ETIMEDOUT");
      });
      // The error's code only: a message could quote the request.
      r.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? "ECONNRESET"));
      r.end(req.body);
    });
  }

  /** Closes every connection (a request still in flight fails). */
  close(): void {
    this.#agent.destroy();
  }
}
