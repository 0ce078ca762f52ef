// Which mounts a token sees in sys/internal/ui/mounts: vault/logical_system.go hasMountAccess, and
// its last step vault/acl.go CheckAllowedFromNonExactPaths with bareMount. The first table is
// Vault's own (vault/acl_test.go TestACL_SegmentWildcardPriority_BareMount: every case has
// permissions); the second is hasMountAccess's other steps.
import { describe, expect, it } from "vitest";
import { compileAcl, parsePolicy, rootPolicy } from "../../../src/auth/policy/index.js";

const access = async (policy: string, mount: string) => compileAcl([await parsePolicy("p", policy)]).mountAccess(mount);

const VAULT_BARE_MOUNT: ReadonlyArray<readonly [string, string]> = [
  ['path "+" { capabilities = ["read"] }', "foo/"],
  ['path "+/*" { capabilities = ["read"] }', "foo/"],
  ['path "foo/+/+/*" { capabilities = ["read"] }', "foo/"],
  ['path "foo/+/+/*" { capabilities = ["read"] }', "foo/bar/"],
  ['path "foo/+/+/*" { capabilities = ["read"] }', "foo/bar/bar/"],
  ['path "foo/+/+/*" { capabilities = ["read"] }', "foo/bar/bar/baz/"],
  ['path "foo/+/+/baz" { capabilities = ["read"] }', "foo/bar/bar/baz/"],
  ['path "foo/+/bar/baz" { capabilities = ["read"] }', "foo/bar/bar/baz/"],
  ['path "foo/bar/+/baz*" { capabilities = ["read"] }', "foo/bar/bar/baz/"],
  ['path "foo/bar/+/b*" { capabilities = ["read"] }', "foo/bar/bar/baz/"],
  ['path "foo/+" { capabilities = ["read"] }', "foo/"],
];

describe("Acl.mountAccess (hasMountAccess)", () => {
  it.each(VAULT_BARE_MOUNT)("Vault's bare-mount table: %s reaches %s", async (policy, mount) => {
    expect(await access(policy, mount)).toBe(true);
  });

  it("a capability on the mount, or a rule below it that grants anything, gives access; deny and other mounts do not", async () => {
    expect(await access('path "secret/" { capabilities = ["list"] }', "secret/")).toBe(true);
    expect(await access('path "secret/data/app" { capabilities = ["read"] }', "secret/")).toBe(true);
    expect(await access('path "secret/data/team/*" { capabilities = ["read"] }', "secret/")).toBe(true);
    expect(await access('path "secret/data/app" { capabilities = ["deny"] }', "secret/")).toBe(false);
    expect(await access('path "other/*" { capabilities = ["read"] }', "secret/")).toBe(false);
    expect(await access('path "secrets/*" { capabilities = ["read"] }', "secret/")).toBe(false);
    expect(await access('path "bar/+" { capabilities = ["read"] }', "foo/")).toBe(false);
    expect(await access('path "foo/+" { capabilities = ["deny"] }', "foo/")).toBe(false);
  });

  it("Vault's quirk: a prefix rule the mount path falls under counts whatever it grants, deny included", async () => {
    expect(await access('path "sec*" { capabilities = ["read"] }', "secret/")).toBe(true);
    expect(await access('path "secret/*" { capabilities = ["deny"] }', "secret/")).toBe(true);
  });

  it("root sees every mount", () => {
    expect(compileAcl([rootPolicy()]).mountAccess("anything/")).toBe(true);
  });
});
