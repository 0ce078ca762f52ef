import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, rmSync, renameSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import { decryptSops } from "sops-age";
import { decrypt as sopsDecoderDecrypt } from "sops-decoder";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { identitiesFromStrings } from "../../src/keys/identities.js";
import { unwrapDataKey } from "../../src/keys/wrap.js";
import {
  IntegrityError,
  NoMatchingKey,
  PolicyError,
  SecretNotFound,
  SecretPathError,
  SecretsClient,
  SecretsError,
} from "../../src/index.js";
import { makeFixture, type Fixture } from "./fixture.js";

/** The SDK over real encrypted files: paths, reads, cache, writes with metadata, typed errors. */

let fx: Fixture;
let client: SecretsClient;
beforeEach(async () => {
  fx = await makeFixture();
  client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
});
afterEach(() => fx.cleanup());

/** Every error message, stack and inspection, to check that no value leaks. */
function everything(e: unknown): string {
  const err = e as Error;
  return `${err.message}\n${err.stack}\n${inspect(err, { depth: 5, showHidden: true })}`;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("secret paths", () => {
  it("a path names a key in the file named by its leading segments", async () => {
    await fx.put("database/postgres.yaml", { password: "pg-pass-1", port: 5432 });
    await fx.put("app.yaml", { DATABASE_URL: "postgresql://u:p@h/db", nested: { deep: { key: "v-deep" } } });
    expect(await client.get("database/postgres/password")).toBe("pg-pass-1");
    expect(await client.get("database/postgres/port")).toBe(5432);
    expect(await client.get("app/DATABASE_URL")).toBe("postgresql://u:p@h/db");
    expect(await client.get("app/nested/deep/key")).toBe("v-deep");
    expect(await client.get("app/nested")).toEqual({ deep: { key: "v-deep" } });
    expect(await client.get("/app/DATABASE_URL")).toBe("postgresql://u:p@h/db");
  });

  it("falls back to a shorter file prefix (key postgres.password in database.yaml)", async () => {
    await fx.put("database.yaml", { postgres: { password: "from-database-yaml" } });
    expect(await client.get("database/postgres/password")).toBe("from-database-yaml");
  });

  it("the longest existing file prefix wins, even when it lacks the key", async () => {
    await fx.put("database.yaml", { postgres: { password: "shadowed", user: "shadowed-user" } });
    await fx.put("database/postgres.yaml", { password: "winner" });
    expect(await client.get("database/postgres/password")).toBe("winner");
    const e = await caught(client.get("database/postgres/user"));
    expect(e).toBeInstanceOf(SecretNotFound);
    expect((e as SecretNotFound).message).toContain("has no key user");
    expect(await client.list("database")).toEqual(["database/postgres/password"]);
  });

  it("two files for one prefix are an error, not a guess", async () => {
    await fx.put("app.yaml", { A: "1" });
    await fx.put("app.json", { A: "2" });
    const e = await caught(client.get("app/A"));
    expect(e).toBeInstanceOf(SecretPathError);
    expect((e as Error).message).toMatch(/ambiguous secret path: both .*app\.yaml and .*app\.json exist/);
    await expect(client.list("")).rejects.toBeInstanceOf(SecretPathError);
  });

  it("rejects malformed paths and paths that would leave the root", async () => {
    for (const p of ["../outside/x", "a//b", "app", "a/./b", "", "a/"]) {
      const e = await caught(client.get(p));
      expect(e, p).toBeInstanceOf(SecretsError);
      expect((e as SecretsError).kind === "tree-path" || (e as SecretsError).kind === "usage", p).toBe(true);
    }
    const e = await caught(client.get("DATABASE_URL"));
    expect((e as Error).message).toContain("app/DATABASE_URL");
  });

  it("names the file when a path stops at one", async () => {
    await fx.put("app.yaml", { A: "1" });
    const e = await caught(client.get("app/A/B"));
    expect(e).toBeInstanceOf(SecretNotFound);
    const f = await caught(client.get("nothing/here"));
    expect(f).toBeInstanceOf(SecretNotFound);
  });
});

describe("list", () => {
  it("lists secret paths under a prefix, sorted, from key names only (no decryption, no key needed)", async () => {
    await fx.put("app.yaml", { DATABASE_URL: "x", API_KEY: "y", db: { user: "u", password: "p" }, hosts: ["a", "b"] });
    await fx.put("database/postgres.yaml", { password: "p" });
    await fx.put("database/redis.json", { url: "r" });
    writeFileSync(join(fx.root, "plain.yaml"), "not: encrypted\n");
    writeFileSync(join(fx.root, "README.md"), "# docs\n");
    const stranger = new SecretsClient({ root: fx.root, identities: [(await generateKeyPair()).identity] });
    expect(await stranger.list()).toEqual(["app/API_KEY", "app/DATABASE_URL", "app/db/password", "app/db/user", "app/hosts", "database/postgres/password", "database/redis/url"]);
    expect(await stranger.list("database")).toEqual(["database/postgres/password", "database/redis/url"]);
    expect(await stranger.list("app/db")).toEqual(["app/db/password", "app/db/user"]);
    expect(await stranger.list("app/db/user")).toEqual(["app/db/user"]);
    expect(await stranger.list("data")).toEqual([]);
    expect(stranger.stats().decryptions).toBe(0);
  });
});

describe("getMany and the cache", () => {
  it("getMany of 100 paths over 10 files decrypts each file once", async () => {
    const paths: string[] = [];
    for (let f = 0; f < 10; f++) {
      const data: Record<string, string> = {};
      for (let k = 0; k < 10; k++) {
        data[`key_${k}`] = `value-${f}-${k}`;
        paths.push(`svc_${f}/key_${k}`);
      }
      await fx.put(`svc_${f}.yaml`, data);
    }
    const got = await client.getMany(paths);
    expect(Object.keys(got)).toHaveLength(100);
    expect(got["svc_3/key_7"]).toBe("value-3-7");
    expect(client.stats().decryptions).toBe(10);
    // Served from memory afterwards.
    await client.getMany(paths);
    expect(client.stats().decryptions).toBe(10);
    // Concurrent single gets share a decryption too.
    const fresh = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    await Promise.all(paths.map((p) => fresh.get(p)));
    expect(fresh.stats().decryptions).toBe(10);
  });

  it("getMany reports every missing path, names only", async () => {
    await fx.put("app.yaml", { A: "secret-a" });
    const e = await caught(client.getMany(["app/A", "app/B", "app/C"]));
    expect(e).toBeInstanceOf(SecretNotFound);
    expect((e as SecretNotFound).secretPaths).toEqual(["app/B", "app/C"]);
    expect(everything(e)).not.toContain("secret-a");
  });

  it("re-reads a file when it changes on disk, and only then", async () => {
    await fx.put("app.yaml", { TOKEN: "first" });
    expect(await client.get("app/TOKEN")).toBe("first");
    expect(await client.get("app/TOKEN")).toBe("first");
    expect(client.stats()).toEqual({ decryptions: 1, cacheHits: 1 });
    await fx.put("app.yaml", { TOKEN: "second" });
    expect(await client.get("app/TOKEN")).toBe("second");
    expect(client.stats().decryptions).toBe(2);
  });

  it("reads write nothing to disk", async () => {
    await fx.put("app.yaml", { TOKEN: "t", nested: { a: 1 } });
    const snapshot = () => readdirSync(fx.dir, { recursive: true }).map(String).sort().map((f) => `${f}:${statSync(join(fx.dir, f)).mtimeMs}`);
    const before = snapshot();
    await client.get("app/TOKEN");
    await client.getMany(["app/nested/a", "app/TOKEN"]);
    await client.list();
    expect(snapshot()).toEqual(before);
  });
});

describe("set", () => {
  it("sets a value in an existing file; every other value keeps its ciphertext", async () => {
    const file = await fx.put("app.yaml", { A: "alpha", B: "beta", nested: { C: "gamma" } });
    const before = parseYaml(readFileSync(file, "utf8"));
    await client.set("app/B", "beta-2");
    const after = parseYaml(readFileSync(file, "utf8"));
    expect(after.A).toBe(before.A);
    expect(after.nested.C).toBe(before.nested.C);
    expect(after.B).not.toBe(before.B);
    expect(after.sops.age).toEqual(before.sops.age);
    expect(await client.get("app/B")).toBe("beta-2");
    await client.set("app/new/deep", { n: 5, ok: true });
    expect(await client.get("app/new")).toEqual({ deep: { n: 5, ok: true } });
  });

  it("creates a new file under the .sops.yaml rule when no file holds the path", async () => {
    await client.set("payments/stripe/api_key", "sk_live_abcdefghijkl");
    const file = join(fx.root, "payments", "stripe.yaml");
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("sk_live_abcdefghijkl");
    expect(text).toContain(fx.recipient);
    expect(await new SecretsClient({ root: fx.root, identities: [fx.identity] }).get("payments/stripe/api_key")).toBe("sk_live_abcdefghijkl");
    const v = await decryptSops(text, { secretKey: fx.identity, fileType: "yaml" });
    expect(v).toEqual({ api_key: "sk_live_abcdefghijkl" });
  });

  it("keeps metadata next to the value, in clear, readable by sops readers and covered by the MAC", async () => {
    const file = await fx.put("database.yaml", { password: "old" });
    await client.set("database/password", "n3w-pass", { metadata: { owner: "team-db", rotated: "2024-05-01", ttl_days: 90 } });
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("n3w-pass");
    expect(text).toMatch(/^password_metadata_unencrypted:\n {4}owner: team-db\n {4}rotated: "2024-05-01"\n {4}ttl_days: 90$/m);
    expect(await client.getMetadata("database/password")).toEqual({ owner: "team-db", rotated: "2024-05-01", ttl_days: 90 });
    expect(await client.get("database/password")).toBe("n3w-pass");
    expect(await client.list("database")).toEqual(["database/password"]);

    // An independent reader decrypts it, and sops-decoder verifies the MAC over value + metadata.
    const tree = parseYaml(text);
    expect(await decryptSops(text, { secretKey: fx.identity, fileType: "yaml" })).toEqual({ password: "n3w-pass", password_metadata_unencrypted: { owner: "team-db", rotated: "2024-05-01", ttl_days: 90 } });
    const dataKey = Buffer.from((await unwrapDataKey(tree.sops.age[0].enc, identitiesFromStrings([fx.identity])))!);
    const original = KMSClient.prototype.send;
    KMSClient.prototype.send = (async () => ({ Plaintext: dataKey })) as never;
    try {
      tree.sops.kms = [{ arn: "arn:aws:kms:us-east-1:000000000000:key/stub", enc: "AA==", created_at: tree.sops.lastmodified }];
      await expect(sopsDecoderDecrypt(tree as never)).resolves.toMatchObject({ password: "n3w-pass" });
    } finally {
      KMSClient.prototype.send = original;
    }
    // A set without metadata keeps the metadata there is.
    await client.set("database/password", "n3w-pass-2");
    expect(await client.getMetadata("database/password")).toEqual({ owner: "team-db", rotated: "2024-05-01", ttl_days: 90 });
  });

  it("refuses what the file's rule would leave in clear, or metadata it would encrypt (PolicyError)", async () => {
    await fx.put("k8s.yaml", { data: { x: "enc" }, kind: "Secret" }, { rule: { kind: "encrypted_regex", value: "^data$" } });
    const file = join(fx.root, "k8s.yaml");
    const before = readFileSync(file, "utf8");
    const e1 = await caught(client.set("k8s/password", "in-clear?"));
    expect(e1).toBeInstanceOf(PolicyError);
    expect((e1 as Error).message).toContain("would leave password in clear");
    const e2 = await caught(client.set("k8s/data/y", "fine", { metadata: { owner: "x" } }));
    expect(e2).toBeInstanceOf(PolicyError);
    expect((e2 as Error).message).toContain("would encrypt the metadata");
    expect(readFileSync(file, "utf8")).toBe(before);
    await client.set("k8s/data/y", "fine");
    expect(await client.get("k8s/data/y")).toBe("fine");
  });

  it("without a matching .sops.yaml rule a new file is a PolicyError and nothing is written", async () => {
    rmSync(join(fx.dir, ".sops.yaml"));
    const e = await caught(client.set("fresh/token", "value-1"));
    expect(e).toBeInstanceOf(PolicyError);
    expect(existsSync(join(fx.root, "fresh.yaml"))).toBe(false);
  });

  it("validates inputs with one-line errors", async () => {
    await expect(client.set("app/x", undefined as never)).rejects.toThrow(/invalid secret value/);
    await expect(client.set("app/x", "v", { metadata: { nested: { no: 1 } } } as never)).rejects.toThrow(/invalid metadata|invalid set options/);
    await expect(new SecretsClient({ rooot: "x" } as never).get("app/x")).rejects.toThrow(/^invalid SecretsClient options: unknown option rooot$/);
  });
});

describe("typed errors carry no value", () => {
  it("NoMatchingKey when no identity opens the file", async () => {
    await fx.put("app.yaml", { TOKEN: "tok-secret-value" });
    const other = new SecretsClient({ root: fx.root, identities: [(await generateKeyPair()).identity] });
    const e = await caught(other.get("app/TOKEN"));
    expect(e).toBeInstanceOf(NoMatchingKey);
    expect(e).toBeInstanceOf(SecretsError);
    expect(everything(e)).not.toContain("tok-secret-value");
  });

  it("IntegrityError for a tampered file (MAC) and a tampered value", async () => {
    const file = await fx.put("app.yaml", { TOKEN: "tok-secret-value", OTHER: "o" });
    const text = readFileSync(file, "utf8");
    // Swap two ciphertexts: each still authenticates under its own key path? No: the AAD differs.
    const lines = text.split("\n");
    const t = lines.findIndex((l) => l.startsWith("TOKEN:"));
    const o = lines.findIndex((l) => l.startsWith("OTHER:"));
    const swapped = [...lines];
    swapped[t] = "TOKEN:" + lines[o]!.slice("OTHER:".length);
    writeFileSync(file, swapped.join("\n"));
    const e = await caught(client.get("app/TOKEN"));
    expect(e).toBeInstanceOf(IntegrityError);
    expect(everything(e)).not.toContain("tok-secret-value");
    // A changed MAC.
    writeFileSync(file, text.replace(/mac: ENC\[AES256_GCM,data:([A-Za-z0-9+/]{4})/, "mac: ENC[AES256_GCM,data:AAAA"));
    const m = await caught(client.get("app/TOKEN"));
    expect(m).toBeInstanceOf(IntegrityError);
    expect(everything(m)).not.toContain("tok-secret-value");
  });

  it("url/token: refused with the options of the files, without a server, or malformed; no message holds the token", async () => {
    const cases: Array<[object, RegExp]> = [
      [{ url: "https://vault.example", root: fx.root, token: "s.token-value" }, /url cannot be combined with root/],
      [{ token: "s.token-value", root: fx.root }, /token is for a server; give url too/],
      [{ url: "vault.example", token: "s.token-value" }, /at url: must be an http: or https: URL/],
      [{ url: "http://127.0.0.1:1", token: "s.token-value", retries: 11 }, /at retries: too big/],
    ];
    for (const [options, message] of cases) {
      const e = await caught(new SecretsClient(options).get("app/A"));
      expect(e).toBeInstanceOf(SecretsError);
      expect((e as SecretsError).kind).toBe("usage");
      expect((e as Error).message).toMatch(message);
      expect(everything(e)).not.toContain("s.token-value");
    }
  });

  it("a file replaced by a rename is seen (new inode)", async () => {
    await fx.put("app.yaml", { A: "one" });
    expect(await client.get("app/A")).toBe("one");
    await fx.put("tmp.yaml", { A: "two" });
    renameSync(join(fx.root, "tmp.yaml"), join(fx.root, "app.yaml"));
    expect(await client.get("app/A")).toBe("two");
  });
});
