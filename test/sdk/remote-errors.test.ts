import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSecret, IntegrityError, PermissionDenied, SecretNotFound, SecretPathError, SecretsClient, SecretsError, ServerUnavailable } from "../../src/index.js";
import { ROOT } from "../helpers/cli.js";
import { raw } from "../server/serve-helpers.js";
import { ALL_VALUES, caught, everything, startRemoteFixture, type RemoteFixture } from "./remote-helpers.js";

/**
 * The typed errors of the SDK's client of a server, against a real `secrets serve`: not found,
 * malformed paths, permission denied (no token, an unknown one, a policy without `read`), an
 * unreachable server, a wrong mount, the server's 400s; none holds a value or the token. And the
 * environment: VAULT_ADDR, VAULT_TOKEN and ~/.vault-token, as hvac reads them.
 */

let fx: RemoteFixture;
let remote: SecretsClient;
const errors: unknown[] = [];

beforeAll(async () => {
  fx = await startRemoteFixture();
  remote = fx.remote();
}, 60_000);

afterAll(async () => {
  // Whatever the tests caught: no value, no token.
  for (const e of errors) {
    const text = everything(e);
    for (const v of [...ALL_VALUES, fx.token]) expect(text).not.toContain(v);
  }
  await fx?.cleanup();
});

async function failure<T>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const e = await caught(p);
  errors.push(e);
  expect(e).toBeInstanceOf(type);
  return e as T;
}

/** Runs `fn` with these environment variables (undefined: unset), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  for (const [k, v] of Object.entries(vars)) set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

describe("not found, malformed paths", () => {
  it("no secret, no key, a deleted secret: SecretNotFound with the paths", async () => {
    const none = await failure(remote.get("nope/x"), SecretNotFound);
    expect(none.secretPaths).toEqual(["nope/x"]);
    expect(none.message).toMatch(/^secret nope\/x not found: no secret holds it at http:\/\/127\.0\.0\.1:\d+, mount secret\/$/);
    const key = await failure(remote.get("app/nope"), SecretNotFound);
    expect(key.message).toBe("secret app/nope not found: the secret app has no key nope");
    expect(key.kind).toBe("not-found");
    const many = await failure(remote.getMany(["app/password", "app/nope", "nope/x"]), SecretNotFound);
    expect(many.secretPaths).toEqual(["app/nope", "nope/x"]);
    await failure(remote.getMetadata("app/nope"), SecretNotFound);
    await remote.set("gone/app/k", "v-gone");
    expect((await raw("DELETE", `${fx.served.url}/v1/secret/data/gone/app`, { "X-Vault-Token": fx.token })).status).toBe(204);
    await failure(remote.get("gone/app/k"), SecretNotFound);
    // A write after the delete is a new version (check-and-set on the deleted one).
    await remote.set("gone/app/k", "v-back");
    expect(await remote.get("gone/app/k")).toBe("v-back");
  });

  it("a path of one segment, an empty segment, `..`: SecretPathError before any request", async () => {
    expect((await failure(remote.get("app"), SecretPathError)).message).toMatch(/names no key/);
    await failure(remote.get("app//password"), SecretPathError);
    await failure(remote.set("app/../x", "v"), SecretPathError);
    await failure(remote.getMany(["app/password", "app/../x"]), SecretPathError);
  });

  it("a custom_metadata entry that is not the SDK's JSON: IntegrityError (kind metadata)", async () => {
    const r = await raw("POST", `${fx.served.url}/v1/secret/metadata/app`, { "X-Vault-Token": fx.token, "Content-Type": "application/json" }, JSON.stringify({ custom_metadata: { "sdk-metadata:password": "not json" } }));
    expect(r.status).toBe(204);
    const e = await failure(remote.getMetadata("app/password"), IntegrityError);
    expect(e.kind).toBe("metadata");
  });
});

describe("permission denied", () => {
  it("a policy without read on a path: PermissionDenied for get, getMany, set and list; what it grants works", async () => {
    const reader = await fx.tokenWithPolicy("app-reader", 'path "secret/data/app" {\n  capabilities = ["read"]\n}\npath "secret/metadata/*" {\n  capabilities = ["list"]\n}\n');
    const c = fx.remote({ token: reader });
    expect(await c.get("app/password")).toBe(ALL_VALUES[1]);
    const denied = await failure(c.get("team/db/user"), PermissionDenied);
    expect(denied.kind).toBe("permission-denied");
    expect(denied.httpStatus).toBe(403);
    expect(denied.message).toMatch(/^permission denied: GET secret\/data\/team\/db at http:\/\/127\.0\.0\.1:\d+$/);
    await failure(c.getMany(["app/password", "team/db/user"]), PermissionDenied);
    await failure(c.set("app/password", "never-written"), PermissionDenied);
    await failure(c.list(""), PermissionDenied);
    expect(await remote.get("app/password")).toBe(ALL_VALUES[1]);
  });

  it("no token, an unknown token: PermissionDenied saying so", async () => {
    const home = mkdtempSync(join(tmpdir(), "sdk-home-"));
    try {
      await withEnv({ VAULT_TOKEN: undefined, HOME: home }, async () => {
        const e = await failure(new SecretsClient({ url: fx.served.url }).get("app/password"), PermissionDenied);
        expect(e.message).toContain("no token was given");
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const bad = await failure(fx.remote({ token: "hvs.AAAAunknownTokenValue1234" }).get("app/password"), PermissionDenied);
    expect(bad.message).toContain("the token is unknown or expired");
    expect(everything(bad)).not.toContain("hvs.AAAAunknownTokenValue1234");
  });
});

describe("the server, the mount, the server's 400s", () => {
  it("nothing listening: ServerUnavailable after the retries, naming the address and the error code only", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await failure(fx.remote({ url: `http://127.0.0.1:${port}`, retries: 1 }).get("app/password"), ServerUnavailable);
    expect(e.message).toBe(`no answer from the server at http://127.0.0.1:${port}: ECONNREFUSED (2 attempts)`);
    expect([e.kind, e.httpStatus]).toEqual(["unavailable", 503]);
  });

  it("a mount the server does not have: a usage error, never a missing secret", async () => {
    const e = await failure(fx.remote({ mount: "nope" }).get("app/password"), SecretsError);
    expect(e.kind).toBe("usage");
    expect(e.message).toMatch(/has no KV version 2 secrets at nope\/ \(GET nope\/data\/app: 404, no handler for route "nope\/data\/app"\. route entry not found\.\); is the mount right\?$/);
  });

  it("metadata over Vault's limits: the server's 400 as a usage error with its reason", async () => {
    const e = await failure(remote.set("app/password", ALL_VALUES[1]!, { metadata: { note: "x".repeat(600) } }), SecretsError);
    expect(e.kind).toBe("usage");
    expect(e.message).toMatch(/^the server refused POST secret\/metadata\/app: custom_metadata validation failed: length of value for key "sdk-metadata:password" is 611 but must be 0 < len\(value\) <= 512$/);
  });
});

describe("the environment, as hvac reads it", () => {
  it("VAULT_ADDR and VAULT_TOKEN, with no option: the server (getSecret too)", async () => {
    await withEnv({ VAULT_ADDR: fx.served.url, VAULT_TOKEN: fx.token }, async () => {
      const c = new SecretsClient();
      expect(await c.get("team/db/user")).toBe(ALL_VALUES[2]);
      expect(c.stats()).toEqual({ decryptions: 0, cacheHits: 0 });
      await failure(c.root(), SecretsError);
      expect(await getSecret("app/password")).toBe(ALL_VALUES[1]);
      c.close();
    });
  });

  it("no VAULT_TOKEN: the token file ~/.vault-token, trimmed; an option of the files keeps the client on the files", async () => {
    const home = mkdtempSync(join(tmpdir(), "sdk-home-"));
    writeFileSync(join(home, ".vault-token"), `${fx.token}\n`, { mode: 0o600 });
    try {
      await withEnv({ VAULT_ADDR: fx.served.url, VAULT_TOKEN: "", HOME: home }, async () => {
        const c = new SecretsClient({ mount: "secret" });
        expect(await c.get("app/n")).toBe(3);
        c.close();
        const files = new SecretsClient({ root: fx.sb.path("secrets"), identities: [fx.identity] });
        expect(await files.get("app/n")).toBe(3);
        expect(files.stats().decryptions).toBe(1);
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("the built package in a Node process of its own: VAULT_ADDR, VAULT_TOKEN, getSecret; idle connections do not keep it alive", () => {
    const code = `
      import { SecretsClient, getSecret } from ${JSON.stringify(pathToFileURL(join(ROOT, "dist", "lib", "index.js")).href)};
      const c = new SecretsClient();
      const many = await c.getMany(["app/n", "team/db/user"]);
      process.stdout.write(JSON.stringify({ many, one: await getSecret("app/password") }));
    `;
    const started = Date.now();
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { env: { PATH: process.env.PATH, HOME: fx.sb.path("..", "home"), VAULT_ADDR: fx.served.url, VAULT_TOKEN: fx.token }, encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ many: { "app/n": 3, "team/db/user": ALL_VALUES[2] }, one: ALL_VALUES[1] });
    // The server keeps idle connections open for 5 s (Node's default): the client's must not hold the process.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("VAULT_ADDR that is not an http(s) URL: a usage error", async () => {
    await withEnv({ VAULT_ADDR: "vault.example.com:8200" }, async () => {
      const e = await failure(new SecretsClient().get("app/n"), SecretsError);
      expect(e.message).toBe("VAULT_ADDR is not an http: or https: URL");
    });
  });
});
