import { describe, expect, it } from "vitest";
import { accessPathFilter } from "../../src/audit-log/path-filter.js";
import { secretPathOf } from "../../src/audit-log/secret-path.js";
import { SecretsError } from "../../src/errors.js";

const kv = (path: string, mountPoint = "secret/") => secretPathOf({ path, mountPoint, mountType: "kv" });

describe("secretPathOf: the secret a request is about", () => {
  it("KV version 2: every endpoint of a secret names it once, after the mount", () => {
    for (const endpoint of ["data", "metadata", "delete", "undelete", "destroy", "subkeys"]) expect(kv(`secret/${endpoint}/team/db`), endpoint).toBe("secret/team/db");
    expect(kv("secret/metadata/team/")).toBe("secret/team/");
    expect(kv("secret/metadata/")).toBe("secret/");
    expect(kv("kv2/data/app", "kv2/")).toBe("kv2/app");
  });

  it("KV version 1: the path below the mount is the secret; the mount's config and anything off KV name none", () => {
    expect(kv("kv1/app/db", "kv1/")).toBe("kv1/app/db");
    expect(kv("secret/config")).toBeUndefined();
    expect(kv("secret/")).toBeUndefined();
    expect(secretPathOf({ path: "auth/token/lookup-self", mountPoint: "auth/token/", mountType: "token" })).toBeUndefined();
    expect(secretPathOf({ path: "sys/health", mountPoint: undefined, mountType: undefined })).toBeUndefined();
    expect(secretPathOf({ path: "other/data/x", mountPoint: "secret/", mountType: "kv" })).toBeUndefined();
  });
});

describe("accessPathFilter: --path as a policy path", () => {
  it("exact, prefix (*), one segment (+), a list path under its folder's rule, a leading / dropped", () => {
    const m = (p: string, path: string) => accessPathFilter(p)(path);
    expect(m("secret/data/app", "secret/data/app")).toBe(true);
    expect(m("secret/data/app", "secret/data/apps")).toBe(false);
    expect(m("secret/data/app*", "secret/data/apps")).toBe(true);
    expect(m("secret/+/app", "secret/destroy/app")).toBe(true);
    expect(m("secret/+/app", "secret/data/team/app")).toBe(false);
    expect(m("secret/+/team/*", "secret/data/team/db")).toBe(true);
    expect(m("secret/metadata/team", "secret/metadata/team/")).toBe(true);
    expect(m("/secret/data/app", "secret/data/app")).toBe(true);
    expect(m("*", "sys/health")).toBe(true);
  });

  it("a path no policy may hold is a usage error", () => {
    for (const bad of ["secret/+*", "secret/{{identity.entity.id}}/*"]) expect(() => accessPathFilter(bad), bad).toThrow(SecretsError);
  });
});
