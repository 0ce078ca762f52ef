import { afterEach, describe, expect, it } from "vitest";
import { readVersion } from "../../../src/server/kv/read.js";
import { DecryptedVersions } from "../../../src/server/kv/version-cache.js";
import { versionsOf } from "../../../src/server/kv/write-context.js";
import { writeSecret } from "../../../src/server/kv/write.js";
import { actor, kvRepo, type KvRepo } from "./write-helpers.js";

/** Decrypted versions by blob (src/server/kv/version-cache.ts). */

const opened = (value: Record<string, string> | null, bytes = 10) => () => Promise.resolve({ value, bytes });

describe("DecryptedVersions", () => {
  it("opens a blob once: later and concurrent asks share the result", async () => {
    const cache = new DecryptedVersions();
    const [a, b] = await Promise.all([cache.get("b1", "yaml", opened({ k: "v" })), cache.get("b1", "yaml", opened({ k: "other" }))]);
    expect(a).toEqual({ k: "v" });
    expect(b).toBe(a);
    expect(await cache.get("b1", "yaml", opened({ k: "other" }))).toBe(a);
    expect(cache.opened).toBe(1);
    // The same bytes read as another format are another entry.
    expect(await cache.get("b1", "json", opened({ k: "json" }))).toEqual({ k: "json" });
    expect(cache.opened).toBe(2);
  });

  it("keeps no failure, forgets a destroyed blob, and drops the least recently used past its budget", async () => {
    const cache = new DecryptedVersions({ maxBytes: 25 });
    await expect(cache.get("bad", "yaml", () => Promise.reject(new Error("tampered")))).rejects.toThrow("tampered");
    expect(await cache.get("bad", "yaml", opened({ now: "fine" }))).toEqual({ now: "fine" });

    await cache.get("x", "yaml", opened({ x: "1" }));
    cache.forget("x");
    expect(await cache.get("x", "yaml", opened({ x: "2" }))).toEqual({ x: "2" });

    // 10 bytes each, a budget of 25: a third entry pushes out the least recently used (x: bad was asked after it).
    expect(await cache.get("bad", "yaml", opened({}))).toEqual({ now: "fine" });
    await cache.get("y", "yaml", opened({ y: "1" }));
    const before = cache.opened;
    expect(await cache.get("bad", "yaml", opened({}))).toEqual({ now: "fine" });
    expect(cache.opened).toBe(before);
    expect(await cache.get("x", "yaml", opened({ x: "3" }))).toEqual({ x: "3" });
    expect(cache.opened).toBe(before + 1);
  });
});

describe("readVersion with the server's cache", () => {
  let r: KvRepo;
  afterEach(() => r.cleanup());

  it("decrypts a version once, and hands out values no caller can change", async () => {
    r = await kvRepo();
    await writeSecret(r.ctx, r.mount, "app", { password: "p1", nested: { a: [1, 2] } }, actor());
    const source = { repo: r.ctx.repo, keys: await r.ctx.workspace.keys(), versions: r.ctx.versions };
    const history = await versionsOf(r.ctx, "secrets/app.yaml");
    const first = await readVersion(source, "secrets/app.yaml", 0, { history });
    const second = await readVersion(source, "secrets/app.yaml", 0, { history });
    expect(first?.body.data).toEqual({ password: "p1", nested: { a: [1, 2] } });
    expect(second?.body.data).toBe(first?.body.data);
    expect(r.ctx.versions.opened).toBe(1);
    const data = first!.body.data as Record<string, unknown>;
    expect(() => (data.password = "changed")).toThrow(TypeError);
    expect(() => ((data.nested as { a: number[] }).a[0] = 9)).toThrow(TypeError);
  });
});
