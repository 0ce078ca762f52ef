import { SecretsError } from "../../errors.js";
import { ServerUnavailable } from "../../secrets/errors.js";
import type { ExactPlainValue } from "../../sops/tree.js";
import { parseWith } from "../../util/zod-error.js";
import type { ZodMiniType } from "zod/mini";
import { answerError } from "./answer-errors.js";
import { ConnectionFailure, HttpTransport, type HttpMethod, type HttpResponse } from "./http-transport.js";
import { DEFAULT_BACKOFF, isRetryableStatus, withRetries, type RetryPolicy } from "./retry.js";
import type { RemoteSettings } from "./settings.js";

/**
 * One Vault API request of the SDK's client of a server, with its retries (retry.ts) over the
 * client's one keep-alive transport, the token in `X-Vault-Token`, each path segment
 * percent-encoded; and the two ways an answer is read: an error answer as the SDK's typed error
 * (answer-errors.ts), a body through a zod schema. The KV version 2 requests (kv2-api.ts) and the
 * lease requests (leases-api.ts) share one of these, so one client holds one set of connections.
 */

/** An answer and how it was got, for messages. */
export interface Answer extends HttpResponse {
  attempts: number;
  /** `GET secret/data/app`: the method and the path under /v1/. */
  what: string;
}

export class VaultRequests {
  readonly #transport: HttpTransport;
  readonly #settings: RemoteSettings;
  readonly #retry: RetryPolicy;

  constructor(settings: RemoteSettings) {
    this.#settings = settings;
    this.#transport = new HttpTransport({ url: settings.url, timeoutMs: settings.timeoutMs, ca: settings.ca });
    this.#retry = { retries: settings.retries, ...DEFAULT_BACKOFF };
  }

  get settings(): RemoteSettings {
    return this.#settings;
  }

  /** The server's address for messages (no credentials). */
  get shown(): string {
    return this.#transport.shown;
  }

  /** One request with its retries: the last answer (a status to retry on is answered too). */
  async call(method: HttpMethod, vaultPath: string, body?: string, query = "", contentType = "application/json"): Promise<Answer> {
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (this.#settings.token !== undefined) headers["X-Vault-Token"] = this.#settings.token;
    if (body !== undefined) headers["Content-Type"] = contentType;
    const path = "/v1/" + vaultPath.split("/").map(encodeURIComponent).join("/") + query;
    let attempts = 0;
    const res = await withRetries(
      this.#retry,
      () => {
        attempts++;
        return this.#transport.send({ method, path, headers, ...(body !== undefined ? { body } : {}) });
      },
      (o) => (o.ok ? isRetryableStatus(o.value.status) : o.error instanceof ConnectionFailure && o.error.retryable),
    ).catch((e: unknown) => {
      if (e instanceof ServerUnavailable && attempts > 1) throw new ServerUnavailable(`${e.message} (${attempts} attempts)`);
      throw e;
    });
    return { ...res, attempts, what: `${method} ${vaultPath}` };
  }

  /** An error answer as the SDK's typed error. */
  error(a: Answer): SecretsError {
    return answerError(a.status, a.body, { what: a.what, server: this.#transport.shown, token: this.#settings.token, attempts: a.attempts });
  }

  /** A body through its schema; a body that is not Vault's is a generic error naming the field, never its value. */
  parse<T>(schema: ZodMiniType<T>, plain: ExactPlainValue, what: string): T {
    return parseWith(schema, plain, ([issue], cause) => {
      const at = issue.path.length ? ` at ${issue.path.map(String).join(".")}` : "";
      return new SecretsError("generic", `the answer to ${what} is not Vault's${at}: ${issue.code.replace(/_/g, " ")}`, { cause });
    });
  }

  close(): void {
    this.#transport.close();
  }
}
