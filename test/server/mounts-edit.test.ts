import { describe, expect, it } from "vitest";
import { withSecretsEngine } from "../../src/server/config/mounts-edit.js";
import { parseMountsFile, secretsEngines } from "../../src/server/config/mounts-file.js";

describe("withSecretsEngine (the edits sys/mounts commits)", () => {
  it("keeps a hand-written file's comments; the first edit makes the implicit secret/ explicit; disabling secret/ leaves secrets: {}", () => {
    const hand = "# reviewed by the platform team\nauth:\n  jwt/: {type: jwt}\n";
    const added = withSecretsEngine(hand, "team/", { type: "kv", options: { version: "2" }, folder: "kv/team" });
    expect(added.text.startsWith("# reviewed by the platform team\n")).toBe(true);
    expect(Object.keys(added.file.secrets ?? {})).toEqual(["secret/", "team/"]);
    expect(added.file.secrets?.["secret/"]).toEqual({ type: "kv", options: { version: "2" }, description: "key/value secret storage" });
    expect(added.file.auth).toEqual({ "jwt/": { type: "jwt" } });
    const none = withSecretsEngine(hand, "secret/", null);
    expect(none.file.secrets).toEqual({});
    expect(secretsEngines(none.file)).toEqual({});
    // No file yet: one that says what it is, and parses.
    const fresh = withSecretsEngine(null, "team/", { type: "kv", folder: "kv/team" });
    expect(fresh.text.startsWith("# The server's secret engines and auth methods")).toBe(true);
    expect(parseMountsFile(fresh.text).secrets?.["team/"]).toEqual({ type: "kv", folder: "kv/team" });
  });
});

