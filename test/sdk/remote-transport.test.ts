import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient, SecretsError, ServerUnavailable } from "../../src/index.js";
import { backoffDelay, isRetryableStatus } from "../../src/sdk/remote/retry.js";
import { ALL_VALUES, caught, everything, loopbackFront, startRemoteFixture, type Front, type FrontAction, type RemoteFixture } from "./remote-helpers.js";

/**
 * The transport of the SDK's client of a server: keep-alive connections, bounded retries with
 * exponential backoff on connection failures and 5xx (not 501, never 4xx), the timeout. A loopback
 * front stands between the client and a real `secrets serve`, failing, cutting or stalling the
 * requests it is told to, and recording each request with the connection it came on.
 */

let fx: RemoteFixture;
const fronts: Front[] = [];

beforeAll(async () => {
  fx = await startRemoteFixture();
}, 60_000);

afterAll(async () => {
  for (const f of fronts) await f.close();
  await fx?.cleanup();
});

async function front(action: (n: number) => FrontAction): Promise<Front> {
  const f = await loopbackFront(fx.served.url, action);
  fronts.push(f);
  return f;
}

const json = (status: number, errors: string[]): FrontAction => ({ status, body: JSON.stringify({ errors }) });

function client(f: Front, options: { retries?: number; timeout?: number } = {}): SecretsClient {
  return fx.remote({ url: f.url, ...options });
}

function expectClean(e: unknown): void {
  for (const v of [...ALL_VALUES, fx.token]) expect(everything(e)).not.toContain(v);
}

describe("keep-alive", () => {
  it("a client's requests reuse one connection", async () => {
    const f = await front(() => "forward");
    const c = client(f);
    for (let i = 0; i < 5; i++) expect(await c.get("app/n")).toBe(3);
    await c.set("app/keepalive", "k-1");
    expect(f.requests.length).toBe(7);
    expect(new Set(f.requests.map((r) => r.connection))).toEqual(new Set([1]));
  });
});

describe("retries", () => {
  it("503 twice (a sealed server), then the answer: the read succeeds on the third request", async () => {
    const f = await front((n) => (n < 2 ? json(503, ["Vault is sealed"]) : "forward"));
    const started = Date.now();
    expect(await client(f).get("app/password")).toBe(ALL_VALUES[1]);
    expect(f.requests.map((r) => r.url)).toEqual(["/v1/secret/data/app", "/v1/secret/data/app", "/v1/secret/data/app"]);
    // Backoff: at least half of 100 ms, then half of 200 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("connections cut twice before an answer: the read succeeds on the third", async () => {
    const f = await front((n) => (n < 2 ? "destroy" : "forward"));
    expect(await client(f).get("team/db/user")).toBe(ALL_VALUES[2]);
    expect(f.requests).toHaveLength(3);
  });

  it("a write is retried too (it carries check-and-set or merges one key): a cut PATCH is sent again", async () => {
    const f = await front((n) => (n === 1 ? "destroy" : "forward"));
    await client(f).set("app/retried", "r-1");
    expect(f.requests.map((r) => r.method)).toEqual(["GET", "PATCH", "PATCH"]);
    expect(await fx.remote().get("app/retried")).toBe("r-1");
  });

  it("bounded: always 503, ServerUnavailable after 1 + retries requests, with the server's reason", async () => {
    const f = await front(() => json(503, ["Vault is sealed"]));
    const e = await caught(client(f).get("app/password"));
    expect(e).toBeInstanceOf(ServerUnavailable);
    expect((e as Error).message).toBe(`the server at ${f.url} is unavailable (503: Vault is sealed) after 3 attempts`);
    expect(f.requests).toHaveLength(3);
    expectClean(e);
    const g = await front(() => json(502, []));
    await caught(client(g, { retries: 0 }).get("app/password"));
    expect(g.requests).toHaveLength(1);
  });

  it("500 is retried, then a generic error naming the status; 501 and 4xx are not retried", async () => {
    const f = await front(() => json(500, ["internal error"]));
    const e = await caught(client(f, { retries: 1 }).get("app/password"));
    expect([(e as SecretsError).kind, (e as Error).message]).toEqual(["generic", `the server at ${f.url} answered GET secret/data/app with 500: internal error`]);
    expect(f.requests).toHaveLength(2);
    for (const [status, kind] of [[501, "generic"], [400, "usage"], [403, "permission-denied"], [429, "generic"]] as const) {
      const g = await front(() => json(status, ["nope"]));
      const err = await caught(client(g).get("app/password"));
      expect((err as SecretsError).kind, String(status)).toBe(kind);
      expect(g.requests, String(status)).toHaveLength(1);
    }
  });

  it("a server that never answers: ServerUnavailable ETIMEDOUT after the timeout, retried", async () => {
    const f = await front(() => "hang");
    const started = Date.now();
    const e = await caught(client(f, { timeout: 200, retries: 1 }).get("app/password"));
    expect((e as Error).message).toBe(`no answer from the server at ${f.url}: ETIMEDOUT (2 attempts)`);
    expect(f.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("the backoff doubles from 100 ms up to 2 s, half of it random; 5xx but 501 is retryable", () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 2_000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect([0, 1, 2].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200]);
    expect([500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 403, 404, 429, 501].some(isRetryableStatus)).toBe(false);
  });
});
