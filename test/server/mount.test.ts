import { describe, expect, it } from "vitest";
import { belowMount, staticMounts, type Mount } from "../../src/server/mounts/mount.js";

const mount = (point: string): Mount => ({ point, type: "kv", handle: () => Promise.resolve({ status: 204 }) });

describe("the mount table (vault/router.go: the longest mount point that prefixes the path)", () => {
  const table = staticMounts([mount("secret/"), mount("secret/team/"), mount("auth/token/"), mount("sys/")]);

  it("picks the longest point, and a point named without its slash", async () => {
    expect((await table.resolve("secret/team/data/x"))?.point).toBe("secret/team/");
    expect((await table.resolve("secret/data/x"))?.point).toBe("secret/");
    expect((await table.resolve("secret/team"))?.point).toBe("secret/team/");
    expect((await table.resolve("secret"))?.point).toBe("secret/");
  });

  it("answers null for a path under no mount, and never matches a mere name prefix", async () => {
    expect(await table.resolve("secrets/data/x")).toBeNull();
    expect(await table.resolve("auth/tokenish/x")).toBeNull();
  });

  it("gives the path below the mount", () => {
    expect(belowMount(mount("secret/"), "secret/data/a/b")).toBe("data/a/b");
    expect(belowMount(mount("secret/"), "secret")).toBe("");
  });

  it("lists every mount sorted by point", async () => {
    expect((await table.all()).map((m) => m.point)).toEqual(["auth/token/", "secret/", "secret/team/", "sys/"]);
  });
});
