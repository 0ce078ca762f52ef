import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RepositoryPolicies } from "../../src/server/policies.js";

/**
 * The repository's policies (src/server/policies.ts) are read on every request, so that a merged
 * change applies at once, and parsed and compiled again only when a file's text changed.
 */

let top: string;
afterEach(() => rmSync(top, { recursive: true, force: true }));

const reader = (path: string) => `path "${path}" {\n  capabilities = ["read"]\n}\n`;

describe("RepositoryPolicies", () => {
  it("keeps the ACL while the files are unchanged, and applies an edit or a removal at the next ask", async () => {
    top = mkdtempSync(join(tmpdir(), "policies-"));
    mkdirSync(join(top, ".secrets", "policies"), { recursive: true });
    const file = join(top, ".secrets", "policies", "reader.hcl");
    writeFileSync(file, reader("secret/data/team/*"));
    const policies = new RepositoryPolicies(top);

    const first = await policies.acl(["default", "reader"]);
    expect(first.allows("read", "secret/data/team/db").allowed).toBe(true);
    // Unchanged files: the same compiled ACL, nothing parsed again.
    expect(await policies.acl(["default", "reader"])).toBe(first);

    writeFileSync(file, reader("secret/data/app"));
    const edited = await policies.acl(["default", "reader"]);
    expect(edited).not.toBe(first);
    expect(edited.allows("read", "secret/data/team/db").allowed).toBe(false);
    expect(edited.allows("read", "secret/data/app").allowed).toBe(true);

    rmSync(file);
    const removed = await policies.acl(["default", "reader"]);
    expect(removed.allows("read", "secret/data/app").allowed).toBe(false);
    // `default` is still the built-in one.
    expect(removed.allows("read", "auth/token/lookup-self").allowed).toBe(true);
  });
});
