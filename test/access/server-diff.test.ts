import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/auth/policy/index.js";
import { compareGrants, grantsOf, roleSubject, type ServerSubject } from "../../src/access/server-grants.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * `secrets policy diff` on the server's configuration: per repository token and auth role, the
 * Vault paths × capabilities gained or lost between two revisions (policies, tokens.yaml and role
 * files read at each side), in the same report as the file table (JSON `server`, Markdown section).
 */

const DEPLOY_V1 = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\npath "secret/metadata/app/*" {\n  capabilities = ["list"]\n}\n';
const DEPLOY_V2 = 'path "secret/data/app/*" {\n  capabilities = ["read", "update"]\n}\npath "secret/data/app/locked" {\n  capabilities = ["deny"]\n}\n';

describe("grants (server-grants.ts)", () => {
  const policies = async (entries: Record<string, string>) => new Map(await Promise.all(Object.entries(entries).map(async ([n, t]) => [n, await parsePolicy(n, t)] as const)));
  const token = (...p: string[]): ServerSubject => ({ kind: "token", name: "t", policies: p });

  it("merges a subject's policies per path, with the policies that give each capability; a deny leaves only deny", async () => {
    const ps = await policies({ a: DEPLOY_V1, b: 'path "secret/data/app/*" {\n  capabilities = ["read", "create"]\n}\npath "secret/metadata/app/*" {\n  capabilities = ["deny"]\n}\n' });
    const g = grantsOf(token("a", "b"), ps);
    expect(Object.fromEntries([...g].map(([p, caps]) => [p, Object.fromEntries(caps)]))).toEqual({
      "secret/data/app/*": { read: ["a", "b"], list: ["a"], create: ["b"] },
      "secret/metadata/app/*": { deny: ["b"] },
    });
  });

  it("root is every capability: path `*`, capability `root`; `default` is Vault's built-in one without a file; an unknown name grants nothing", async () => {
    expect([...grantsOf(token("root"), new Map())]).toEqual([["*", new Map([["root", ["root"]]])]]);
    const def = grantsOf(token("default", "nope"), new Map());
    expect(def.get("auth/token/lookup-self")).toEqual(new Map([["read", ["default"]]]));
    expect(def.get("cubbyhole/*")?.size).toBe(5);
  });

  it("compares per path: lost first, capabilities in a reader's order, the policies of the side that has them", async () => {
    const [v1, v2] = [await policies({ deploy: DEPLOY_V1 }), await policies({ deploy: DEPLOY_V2 })];
    expect(compareGrants(grantsOf(token("deploy"), v1), grantsOf(token("deploy"), v2))).toEqual([
      { path: "secret/data/app/*", change: "lost", capabilities: ["list"], policies: ["deploy"] },
      { path: "secret/data/app/*", change: "gained", capabilities: ["update"], policies: ["deploy"] },
      { path: "secret/data/app/locked", change: "gained", capabilities: ["deny"], policies: ["deploy"] },
      { path: "secret/metadata/app/*", change: "lost", capabilities: ["list"], policies: ["deploy"] },
    ]);
  });

  it("a role's login token gets `default` unless token_no_default_policy; token_policies before the deprecated policies", () => {
    expect(roleSubject("jwt", "ci", { token_policies: ["Deploy"], policies: ["ignored"], bound_subject: "repo:o/a:ref:refs/heads/main" })).toEqual({
      kind: "role",
      name: "jwt/ci",
      policies: ["default", "deploy"],
      binding: { bound_subject: "repo:o/a:ref:refs/heads/main" },
    });
    expect(roleSubject("jwt", "ci", { policies: ["deploy"], token_no_default_policy: true }).policies).toEqual(["deploy"]);
  });
});

describe("secrets policy diff, server part", () => {
  let sb: Sandbox;
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(sb.path(rel)), { recursive: true });
    writeFileSync(sb.path(rel), text);
  };
  const commit = (message: string) => {
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", message);
  };
  const diffJson = async (...args: string[]) => JSON.parse(await sb.ok(["policy", "diff", ...args, "--format", "json"])) as { changes: unknown[]; server: { changed: boolean; changes: Array<Record<string, unknown>>; bindings: unknown[]; warnings: unknown[] } };
  const rows = (changes: Array<Record<string, unknown>>) =>
    changes.map((c) => `${(c.subject as { kind: string; name: string }).kind} ${(c.subject as { name: string }).name} ${c.path as string} ${c.change as string} ${(c.capabilities as string[]).join(",")} via ${(c.policies as string[]).join(",")}`);

  beforeAll(async () => {
    sb = new Sandbox();
    await sb.ok(["keygen"]);
    await sb.ok(["init"]);
    commit("init");
  }, 60_000);
  afterAll(() => sb?.cleanup());

  it("without server files, nothing is reported and the Markdown is the file report alone", async () => {
    const out = await diffJson("HEAD");
    expect(out.server).toEqual({ changed: false, changes: [], bindings: [], warnings: [] });
    expect(await sb.ok(["policy", "diff", "HEAD"])).not.toContain("Server access");
  });

  it("a new token, a new role, a policy edit, a revoked token and a role rebound: each gain and loss, per token and role", async () => {
    write(".secrets/policies/deploy.hcl", DEPLOY_V1);
    await sb.ok(["token", "create", "ci", "--policy", "deploy", "--no-default-policy"]);
    write(".secrets/auth/jwt/roles/deploy.yaml", "role_type: jwt\ntoken_policies: [deploy]\ntoken_no_default_policy: true\nbound_subject: repo:org/app:ref:refs/heads/main\nuser_claim: sub\n");
    // Pending (work tree) first: the same answer as once committed.
    const pending = await diffJson("HEAD");
    commit("server access v1");
    const first = await diffJson("HEAD~1", "HEAD");
    expect(first.server).toEqual(pending.server);
    expect(rows(first.server.changes)).toEqual([
      "role jwt/deploy secret/data/app/* gained read,list via deploy",
      "role jwt/deploy secret/metadata/app/* gained list via deploy",
      "token ci secret/data/app/* gained read,list via deploy",
      "token ci secret/metadata/app/* gained list via deploy",
    ]);
    expect(first.server.bindings).toEqual([{ role: "jwt/deploy", before: null, after: { bound_subject: "repo:org/app:ref:refs/heads/main" } }]);
    expect(first.changes).toEqual([]);

    write(".secrets/policies/deploy.hcl", DEPLOY_V2);
    await sb.ok(["token", "revoke", "ci"]);
    await sb.ok(["token", "create", "admin", "--policy", "root"]);
    write(".secrets/auth/jwt/roles/deploy.yaml", "role_type: jwt\ntoken_policies: [deploy]\ntoken_no_default_policy: true\nbound_subject: repo:org/app:ref:refs/heads/release\nbound_claims: {repository: org/app}\nuser_claim: sub\n");
    commit("server access v2");
    const second = await diffJson("HEAD~1", "HEAD");
    expect(rows(second.server.changes)).toEqual([
      "role jwt/deploy secret/data/app/* lost list via deploy",
      "role jwt/deploy secret/data/app/* gained update via deploy",
      "role jwt/deploy secret/data/app/locked gained deny via deploy",
      "role jwt/deploy secret/metadata/app/* lost list via deploy",
      "token admin * gained root via root",
      "token ci secret/data/app/* lost read,list via deploy",
      "token ci secret/metadata/app/* lost list via deploy",
    ]);
    expect(second.server.bindings).toEqual([
      { role: "jwt/deploy", before: { bound_subject: "repo:org/app:ref:refs/heads/main" }, after: { bound_subject: "repo:org/app:ref:refs/heads/release", bound_claims: { repository: "org/app" } } },
    ]);

    const md = await sb.ok(["policy", "diff", "HEAD~1", "HEAD"]);
    expect(md).toContain("No one gains or loses read access to any secret file.");
    expect(md).toContain("### Server access changes (`secrets serve`): `HEAD~1` → `HEAD`\n\n3 gained, 4 lost.\n\n| Who | Vault path | Capabilities | Change | Through |\n|---|---|---|---|---|\n");
    expect(md).toContain("| role `jwt/deploy` | `secret/data/app/*` | `update` | **gained** | `deploy` |");
    expect(md).toContain("| token `ci` | `secret/data/app/*` | `read`, `list` | lost | `deploy` |");
    expect(md).toContain("| token `admin` | `*` | `root` | **gained** | `root` |");
    expect(md).toContain(
      '- `jwt/deploy`: bound_subject `repo:org/app:ref:refs/heads/main` → bound_subject `repo:org/app:ref:refs/heads/release`, bound_claims `{"repository":"org/app"}`',
    );
    expect((await sb.run(["policy", "diff", "HEAD~1", "HEAD", "--fail-on-change"])).code).toBe(1);
    expect((await sb.run(["policy", "diff", "HEAD", "HEAD", "--fail-on-change"])).code).toBe(0);
  });

  it("a policy that does not parse at one side is a warning and grants nothing there; a change that grants nothing new says so", async () => {
    write(".secrets/policies/deploy.hcl", 'path "x" { capabilities = ["fly"] }\n');
    const broken = await diffJson("HEAD");
    expect(broken.server.warnings).toEqual([{ file: ".secrets/policies/deploy.hcl", side: "head", message: 'failed to parse policy: path "x": invalid capability "fly"' }]);
    expect(rows(broken.server.changes).every((r) => r.includes(" lost "))).toBe(true);
    write(".secrets/policies/deploy.hcl", `# a comment only\n${DEPLOY_V2}`);
    const same = await diffJson("HEAD");
    expect([same.server.changed, same.server.changes]).toEqual([true, []]);
    expect(await sb.ok(["policy", "diff", "HEAD"])).toContain("No token or role gains or loses a capability.");
    rmSync(sb.path(".secrets/policies/deploy.hcl"));
    sb.git("checkout", "--", ".secrets/policies/deploy.hcl");
  });
});
