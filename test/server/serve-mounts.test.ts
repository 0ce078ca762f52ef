import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_TOKEN_BODY, MISSING_TOKEN_BODY } from "../../src/server/vault-errors.js";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, type Served } from "./serve-helpers.js";

/**
 * Mounts through `secrets serve` (dist/cli.js): KV version 1 (vault-plugin-secrets-kv
 * passthrough.go), a second KV version 2 mount at its own folder, `sys/mounts` (vault/
 * logical_system.go handleMountTable, handleMount, handleUnmount, handleReadMount, the tune
 * handlers; vault/mount.go's errors) and the `vault kv` preflight `sys/internal/ui/mounts/<path>`
 * (command/kv_helpers.go kvPreflightVersionRequest), with node-vault, hashi-vault-js and node:http.
 * Every API write of a mount is one commit of `.secrets/mounts.yaml`.
 */

const require = createRequire(import.meta.url);
/** The node-vault calls used here (its commands answer Vault's JSON). */
interface NodeVault {
  read(path: string): Promise<any>;
  write(path: string, data: unknown): Promise<any>;
  list(path: string): Promise<any>;
  delete(path: string): Promise<any>;
  mounts(): Promise<any>;
  mount(args: object): Promise<any>;
  unmount(args: object): Promise<any>;
}

let sb: Sandbox;
let served: Served;
let token: string;
let reader: string;
let mounter: string;
let creator: string;
let outside: string;

/** Values written here: none may appear in a commit message or a mounts file. */
const WRITTEN = ["v1-value-alpha", "v1-value-beta", "team-value-gamma", "bench-value-delta"];

const MOUNTS = `# Mounts of this repository.
secrets:
  secret/: {type: kv, options: {version: "2"}, description: key/value secret storage}
  legacy/: {type: kv, folder: legacy, description: version 1}
  team/: {type: kv, options: {version: "2"}, folder: teams/a}
`;

beforeAll(async () => {
  sb = await buildFixture();
  // The creation rule covers the mounts' folders too.
  writeFileSync(sb.path(".sops.yaml"), readFileSync(sb.path(".sops.yaml"), "utf8").replace('"(^|/)secrets/"', '"(^|/)(secrets|legacy|teams|kv|hand|linked)/"'));
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/mounts.yaml"), MOUNTS);
  // reader: one secret of secret/; mounter: create/update on sys/mounts/* and nothing else (no sudo).
  writeFileSync(sb.path(".secrets/policies/reader.hcl"), 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n');
  writeFileSync(sb.path(".secrets/policies/mounter.hcl"), 'path "sys/mounts/*" {\n  capabilities = ["create", "update"]\n}\n');
  writeFileSync(sb.path(".secrets/policies/creator.hcl"), 'path "legacy/*" {\n  capabilities = ["create", "read"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "mounts and policies");
  served = await startServe(sb);
  token = served.rootToken!;
  reader = (await sb.ok(["token", "create", "reader", "--policy", "reader"])).trim();
  mounter = (await sb.ok(["token", "create", "mounter", "--policy", "mounter"])).trim();
  creator = (await sb.ok(["token", "create", "creator", "--policy", "creator"])).trim();
  outside = mkdtempSync(join(tmpdir(), "mounts-outside-"));
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

const auth = (t = token) => ({ "X-Vault-Token": t });
const json = (t = token) => ({ ...auth(t), "Content-Type": "application/json" });
const call = (method: string, path: string, body?: unknown, t = token) => raw(method, `${served.url}/v1/${path}`, body === undefined ? auth(t) : json(t), body === undefined ? undefined : JSON.stringify(body));
const lastCommit = () => sb.git("log", "-1", "--format=%an <%ae>|%s", "--name-only").trim();
const head = () => sb.git("rev-parse", "HEAD").trim();
const errorsOf = (body: string) => JSON.parse(body).errors as string[];
const nodeVault = (t = token) => require("node-vault")({ endpoint: served.url, token: t }) as NodeVault;
const statusOf = (p: Promise<unknown>) => p.then(() => 200, (e: { response?: { statusCode: number } }) => e.response?.statusCode);

describe("KV version 1 (a kv mount without version 2)", () => {
  it("node-vault's generic write, read, list and delete; each write a commit by the token's display name naming the path", async () => {
    const vault = nodeVault();
    await vault.write("legacy/app", { user: WRITTEN[0], ttl: "1h" });
    expect(lastCommit()).toBe("root <root@secrets-serve>|write legacy/app (version 1)\n\nlegacy/app.yaml");
    // Encrypted like `secrets set`: the file holds sops metadata, not the value.
    const file = readFileSync(sb.path("legacy/app.yaml"), "utf8");
    expect(file).toContain("sops:");
    expect(file).not.toContain(WRITTEN[0]);
    const read = await vault.read("legacy/app");
    // passthrough.go: the lease is the secret's own ttl; none is registered (vault/request_handling.go).
    expect(read).toMatchObject({ lease_id: "", renewable: false, lease_duration: 3600, data: { user: WRITTEN[0], ttl: "1h" }, mount_type: "kv" });
    expect(Object.keys(read)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    await vault.write("legacy/team/db", { password: WRITTEN[1] });
    // Without a ttl: the mount's default lease TTL, Vault's 768h.
    expect((await vault.read("legacy/team/db")).lease_duration).toBe(2764800);
    expect((await vault.list("legacy/")).data.keys).toEqual(["app", "team/"]);
    expect((await vault.list("legacy/team")).data.keys).toEqual(["db"]);
    await vault.delete("legacy/app");
    expect(lastCommit()).toBe("root <root@secrets-serve>|delete legacy/app (version 1)\n\nlegacy/app.yaml");
    expect(await statusOf(vault.read("legacy/app"))).toBe(404);
    for (const v of WRITTEN) expect(sb.git("log", "--format=%B", "-5")).not.toContain(v);
  });

  it("Vault's answers: 404 {\"errors\":[]} for a missing key and an empty list, 204 for writes and deletes, its 400s, 405 for PATCH", async () => {
    expect(await call("GET", "legacy/nope")).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
    expect(await call("LIST", "legacy/nothing")).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
    const wrote = await call("PUT", "legacy/put", { a: 1 });
    expect([wrote.status, wrote.body]).toEqual([204, ""]);
    expect(await call("DELETE", "legacy/never-was")).toMatchObject({ status: 204, body: "" });
    const before = head();
    expect(await call("POST", "legacy/empty", {})).toMatchObject({ status: 400, body: '{"errors":["missing data fields"]}\n' });
    expect(await call("POST", "legacy", { a: 1 })).toMatchObject({ status: 400, body: '{"errors":["missing path"]}\n' });
    expect(await call("POST", "legacy/array", [1, 2])).toMatchObject({ status: 400, body: '{"errors":["error parsing JSON"]}\n' });
    const patch = await raw("PATCH", `${served.url}/v1/legacy/put`, { ...auth(), "Content-Type": "application/merge-patch+json" }, "{}");
    expect([patch.status, errorsOf(patch.body)]).toEqual([405, ["1 error occurred:\n\t* unsupported operation\n\n"]]);
    expect(head()).toBe(before);
  });

  it("the existence check: a write of a key that is not there is `create` in the ACL, of one that is, `update`", async () => {
    expect((await call("POST", "legacy/created", { a: "1" }, creator)).status).toBe(204);
    expect((await call("POST", "legacy/created", { a: "2" }, creator)).status).toBe(403);
    expect((await call("DELETE", "legacy/created")).status).toBe(204);
    expect((await call("POST", "legacy/created", { a: "3" }, creator)).status).toBe(204);
  });

  it("a ttl that is no duration leaves the default; `lease` is read when there is no `ttl`; a number is seconds", async () => {
    const vault = nodeVault();
    await vault.write("legacy/t1", { ttl: "soon" });
    await vault.write("legacy/t2", { lease: "30m" });
    await vault.write("legacy/t3", { ttl: 90 });
    expect((await vault.read("legacy/t1")).lease_duration).toBe(2764800);
    expect((await vault.read("legacy/t2")).lease_duration).toBe(1800);
    expect((await vault.read("legacy/t3")).lease_duration).toBe(90);
  });
});

describe("a second KV version 2 mount (team/ over teams/a)", () => {
  it("hashi-vault-js with its mount parameter: the files, the metadata file and the commits are the mount's", async () => {
    const { default: Vault } = await import("hashi-vault-js");
    const hv = new Vault({ https: false, baseUrl: `${served.url}/v1`, timeout: 10_000 }) as unknown as Record<string, (...a: unknown[]) => Promise<any>>;
    const made = await hv.createKVSecret!(token, "svc", { key: WRITTEN[2] }, "team");
    expect(made.version).toBe(1);
    expect(lastCommit()).toBe("root <root@secrets-serve>|write team/svc (version 1)\n\nteams/a/svc.yaml");
    expect((await hv.readKVSecret!(token, "svc", undefined, "team")).data).toEqual({ key: WRITTEN[2] });
    expect((await hv.listKVSecrets!(token, "", "team")).keys).toEqual(["svc"]);
    expect((await call("POST", "team/metadata/svc", { max_versions: 3 })).status).toBe(204);
    expect(lastCommit()).toBe("root <root@secrets-serve>|write metadata of team/svc\n\nteams/a/.kv-metadata.yaml");
    expect(readFileSync(sb.path("teams/a/.kv-metadata.yaml"), "utf8")).toContain("svc.yaml");
    // secret/ does not see team/'s secrets, nor the other way round.
    expect(JSON.parse((await call("LIST", "secret/metadata/")).body).data.keys).not.toContain("svc");
    expect((await call("GET", "team/data/app")).status).toBe(404);
  });
});

describe("sys/mounts", () => {
  it("node-vault mounts(): Vault's mount info per path, data copied to the top level, stable derived accessors", async () => {
    const r = await nodeVault().mounts();
    expect(Object.keys(r.data)).toEqual(["cubbyhole/", "identity/", "legacy/", "secret/", "sys/", "team/"]);
    for (const k of Object.keys(r.data)) expect(r[k]).toEqual(r.data[k]);
    expect(r.data["secret/"]).toEqual({
      accessor: expect.stringMatching(/^kv_[0-9a-f]{8}$/),
      config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
      deprecation_status: "supported",
      description: "key/value secret storage",
      external_entropy_access: false,
      local: false,
      options: { version: "2" },
      plugin_version: "",
      running_plugin_version: expect.stringMatching(/^v.+\+builtin$/),
      running_sha256: "",
      seal_wrap: false,
      type: "kv",
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
    expect(r.data["legacy/"]).toMatchObject({ type: "kv", options: null, description: "version 1" });
    expect(r.data["sys/"]).toMatchObject({ type: "system", seal_wrap: true, description: "system endpoints used for control, policy and debugging", config: { passthrough_request_headers: ["Accept"] } });
    const again = await nodeVault().mounts();
    expect(again.data["secret/"].accessor).toBe(r.data["secret/"].accessor);
    expect(new Set(Object.values(r.data).map((m: any) => m.accessor)).size).toBe(6);
    // The raw body: the copied keys first (sorted), then the envelope.
    const body = (await call("GET", "sys/mounts")).body;
    expect(body.startsWith('{"cubbyhole/":{"accessor":')).toBe(true);
    expect(body).toContain(',"request_id":');
    expect(body.endsWith('"mount_type":"system"}\n')).toBe(true);
  });

  it("node-vault mount() and unmount(): each one commit of .secrets/mounts.yaml; the new mount serves kv/<path>; its files stay after unmount", async () => {
    const vault = nodeVault();
    await vault.mount({ mount_point: "bench", type: "kv", options: { version: "2" }, description: "made by node-vault" });
    expect(lastCommit()).toBe("root <root@secrets-serve>|sys/mounts: enable bench/ (kv version 2, folder kv/bench)\n\n.secrets/mounts.yaml");
    // The hand-written file keeps its comment and its entries.
    const file = readFileSync(sb.path(".secrets/mounts.yaml"), "utf8");
    expect(file.startsWith("# Mounts of this repository.\n")).toBe(true);
    expect(file).toContain("bench/:\n    type: kv\n    description: made by node-vault\n    options:\n      version: \"2\"\n    folder: kv/bench\n");
    await vault.write("bench/data/x", { data: { v: WRITTEN[3] } });
    expect(lastCommit()).toBe("root <root@secrets-serve>|write bench/x (version 1)\n\nkv/bench/x.yaml");
    expect((await vault.read("bench/data/x")).data.data).toEqual({ v: WRITTEN[3] });
    expect((await vault.mounts()).data["bench/"]).toMatchObject({ type: "kv", options: { version: "2" }, description: "made by node-vault" });
    const one = JSON.parse((await call("GET", "sys/mounts/bench")).body);
    expect(one.data).toMatchObject({ type: "kv", description: "made by node-vault" });
    expect(one.type).toBe("kv");

    await vault.unmount({ mount_point: "bench" });
    expect(lastCommit()).toBe("root <root@secrets-serve>|sys/mounts: disable bench/ (the files of kv/bench stay)\n\n.secrets/mounts.yaml");
    expect(sb.git("ls-files", "kv/bench").trim()).toBe("kv/bench/x.yaml");
    const gone = await call("GET", "bench/data/x");
    expect([gone.status, errorsOf(gone.body)]).toEqual([404, ['no handler for route "bench/data/x". route entry not found.']]);
    // Nothing mounted there: 204 and no commit, as Vault (it does not say whether a mount existed).
    const before = head();
    expect((await call("DELETE", "sys/mounts/bench")).status).toBe(204);
    expect(head()).toBe(before);
    // Enabled again at the same path: the same files, the same accessor.
    expect((await call("POST", "sys/mounts/bench", { type: "kv-v2" })).status).toBe(204);
    expect(JSON.parse((await call("GET", "bench/data/x")).body).data.data).toEqual({ v: WRITTEN[3] });
  });

  it("Vault's refusals, with nothing committed", async () => {
    const before = head();
    const expectError = async (method: string, path: string, body: unknown, status: number, error: string) => {
      const r = await call(method, path, body);
      expect([r.status, errorsOf(r.body), r.headers["content-type"]]).toEqual([status, [error], "application/json"]);
    };
    await expectError("POST", "sys/mounts/bench", { type: "kv" }, 409, "path is already in use at bench/");
    await expectError("POST", "sys/mounts/bench/inner", { type: "kv" }, 409, "path is already in use at bench/");
    await expectError("POST", "sys/mounts/secret", { type: "kv", options: { version: "2" } }, 409, "path is already in use at secret/");
    await expectError("POST", "sys/mounts/transit", { type: "transit" }, 400, "plugin not found in the catalog: transit");
    await expectError("POST", "sys/mounts/sys", { type: "kv" }, 403, 'cannot mount "sys/"');
    await expectError("POST", "sys/mounts/cubbyhole/x", { type: "kv" }, 403, 'cannot mount "cubbyhole/x/"');
    await expectError("POST", "sys/mounts/other", { type: "system" }, 403, 'mount type of "system" is not mountable');
    await expectError("POST", "sys/mounts/other", {}, 400, "backend type must be specified as a string");
    await expectError("POST", "sys/mounts/other", { type: "transit", options: { version: "2" } }, 400, 'secrets engine "transit" does not allow setting a version');
    await expectError("POST", "sys/mounts/other", { type: "kv", config: { default_lease_ttl: "soon" } }, 400, 'unable to parse default TTL of soon: time: invalid duration "soon"');
    await expectError("POST", "sys/mounts/other", { type: "kv", config: { default_lease_ttl: "2h", max_lease_ttl: "1h" } }, 400, "given default lease TTL greater than given max lease TTL");
    await expectError("GET", "sys/mounts/nope", undefined, 400, "No secret engine mount at nope/");
    await expectError("DELETE", "sys/mounts/sys", undefined, 400, 'cannot unmount "sys/"');
    await expectError("DELETE", "sys/mounts/auth/token", undefined, 400, 'cannot unmount "auth/token/"');
    await expectError("GET", "sys/mounts/nope/tune", undefined, 400, 'cannot fetch sysview for path "nope/"');
    await expectError("POST", "sys/mounts/sys/tune", { description: "x" }, 400, "cannot tune parameter description of sys/");
    await expectError("POST", "sys/mounts/legacy/tune", { default_lease_ttl: "2h", max_lease_ttl: "1h" }, 400, "backend max lease TTL of 3600 would be less than backend default lease TTL of 7200");
    await expectError("POST", "sys/mounts/team/tune", { options: { version: "1" } }, 400, "cannot downgrade mount from version 2");
    expect(head()).toBe(before);
  });

  it("tune: reads the effective TTLs; writes description, TTLs and a KV upgrade from version 1 to 2 (200 with Vault's warning)", async () => {
    const read = JSON.parse((await call("GET", "sys/mounts/legacy/tune")).body);
    expect(read.data).toEqual({ description: "version 1", default_lease_ttl: 2764800, max_lease_ttl: 2764800, force_no_cache: false });
    expect(read.default_lease_ttl).toBe(2764800);
    expect((await call("POST", "sys/mounts/legacy/tune", { default_lease_ttl: "2h", description: "tuned" })).status).toBe(204);
    expect(lastCommit()).toBe("root <root@secrets-serve>|sys/mounts: tune legacy/\n\n.secrets/mounts.yaml");
    expect(JSON.parse((await call("GET", "sys/mounts/legacy/tune")).body).data).toMatchObject({ description: "tuned", default_lease_ttl: 7200 });
    // A KV version 1 read now has the tuned default lease.
    expect((await nodeVault().read("legacy/team/db")).lease_duration).toBe(7200);
    expect((await call("POST", "sys/mounts/legacy/tune", { default_lease_ttl: "system" })).status).toBe(204);
    expect((await nodeVault().read("legacy/team/db")).lease_duration).toBe(2764800);

    expect((await call("POST", "sys/mounts/v1up", { type: "kv-v1" })).status).toBe(204);
    await nodeVault().write("v1up/old", { k: "v" });
    const up = await call("POST", "sys/mounts/v1up/tune", { options: { version: "2" } });
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body).warnings).toEqual(["Upgrading mount from version 1 to version 2. This mount will be unavailable for a brief period and will resume service shortly."]);
    // The same file, now a version 2 secret whose version 1 is the write made through version 1.
    const v2 = JSON.parse((await call("GET", "v1up/data/old")).body);
    expect([v2.data.data, v2.data.metadata.version]).toEqual([{ k: "v" }, 1]);
  });

  it("two enables of one path at once: exactly one wins (decided under the file's lock), the other is 409", async () => {
    const before = Number(sb.git("rev-list", "--count", "HEAD").trim());
    const both = await Promise.all([call("POST", "sys/mounts/race", { type: "kv-v2" }), call("POST", "sys/mounts/race", { type: "kv-v1" })]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(Number(sb.git("rev-list", "--count", "HEAD").trim())).toBe(before + 1);
  });

  it("ACL: reading sys/mounts needs read on it; enabling needs create/update on sys/mounts/<path>, not sudo (as in Vault)", async () => {
    const denied = await call("GET", "sys/mounts", undefined, reader);
    expect(denied.status).toBe(403);
    expect((await call("POST", "sys/mounts/by-mounter", { type: "kv", options: { version: "2" } }, mounter)).status).toBe(204);
    expect(lastCommit()).toBe("token-mounter <token-mounter@secrets-serve>|sys/mounts: enable by-mounter/ (kv version 2, folder kv/by-mounter)\n\n.secrets/mounts.yaml");
  });
});

describe("the mount table follows the repository", () => {
  it("a mount added by a commit made by hand is served at once, without a restart", async () => {
    writeFileSync(sb.path(".secrets/mounts.yaml"), `${readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")}  hand/: {type: kv, options: {version: "2"}, folder: hand}\n`);
    sb.git("commit", "-q", "-am", "mount hand/ by hand");
    expect(Object.keys(JSON.parse((await call("GET", "sys/mounts")).body).data)).toContain("hand/");
    expect((await call("POST", "hand/data/x", { data: { a: "b" } })).status).toBe(200);
    expect(sb.git("ls-files", "hand").trim()).toBe("hand/x.yaml");
    // Destroyed as version 2, then declared version 1 by hand: still not served.
    expect((await call("POST", "hand/destroy/x", { versions: [1] })).status).toBe(204);
    writeFileSync(sb.path(".secrets/mounts.yaml"), readFileSync(sb.path(".secrets/mounts.yaml"), "utf8").replace('hand/: {type: kv, options: {version: "2"}, folder: hand}', "hand/: {type: kv, folder: hand}"));
    expect(JSON.parse((await call("GET", "sys/mounts/hand")).body).data.options).toBeNull();
    expect((await call("GET", "hand/x")).status).toBe(404);
    sb.git("checkout", "--", ".secrets/mounts.yaml");
  });

  it("folders: one inside another's is refused through sys/mounts (400) and in the file (every request 500, naming it); a symbolic link out of the tree is refused", async () => {
    const nested = await call("POST", "sys/mounts/hand2", { type: "kv" });
    expect(nested.status).toBe(204);
    // kv/ itself as a folder would hold every API-made mount's folder.
    writeFileSync(sb.path(".secrets/mounts.yaml"), `${readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")}  all/: {type: kv, folder: kv}\n`);
    const broken = await call("GET", "secret/data/app");
    expect(broken.status).toBe(500);
    expect(errorsOf(broken.body)[0]).toMatch(/the folder of all\/ \(kv\) holds the folder of \S+ \(kv\/\S+\); a mount's folder may not hold another mount's/);
    sb.git("checkout", "--", ".secrets/mounts.yaml");
    expect((await call("GET", "secret/data/app")).status).toBe(200);

    const before = head();
    symlinkSync(outside, sb.path("kv", "evil"));
    const evil = await call("POST", "sys/mounts/evil", { type: "kv" });
    expect([evil.status, errorsOf(evil.body)]).toEqual([400, ["cannot enable evil/: its folder kv/evil is or goes through a symbolic link that leaves the work tree"]]);
    expect(head()).toBe(before);
    // Declared by hand, the mount answers 500 with the reason, and writes nothing outside.
    symlinkSync(outside, sb.path("linked"));
    writeFileSync(sb.path(".secrets/mounts.yaml"), `${readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")}  linked/: {type: kv, options: {version: "2"}, folder: linked}\n`);
    const linked = await call("POST", "linked/data/x", { data: { a: "b" } });
    expect(linked.status).toBe(500);
    expect(errorsOf(linked.body)[0]).toContain(".secrets/mounts.yaml: linked/: its folder linked is or goes through a symbolic link that leaves the work tree");
    expect(readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")).toContain("linked/");
    expect((await call("GET", "secret/data/app")).status).toBe(200);
    sb.git("checkout", "--", ".secrets/mounts.yaml");
  });
});

describe("the vault CLI's kv preflight: sys/internal/ui/mounts/<path>", () => {
  /** What `vault kv get secret/app` sends first (api Logical().ReadRaw: X-Vault-Token, X-Vault-Request, Go's client). */
  const preflight = (path: string, t?: string, prefix = "sys/internal/ui/mounts/") =>
    raw("GET", `${served.url}/v1/${prefix}${path}`, { ...(t ? { "X-Vault-Token": t } : {}), "X-Vault-Request": "true", "User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip" });

  it("answers the mount's path and options.version, which the CLI reads to pick KV version 1 or 2 paths", async () => {
    const v2 = JSON.parse((await preflight("secret/app", token)).body);
    expect(v2.data).toMatchObject({ path: "secret/", type: "kv", options: { version: "2" } });
    expect(v2.mount_type).toBe("system");
    expect(v2["path"]).toBeUndefined();
    const v1 = JSON.parse((await preflight("legacy/team/db", token)).body);
    expect(v1.data).toMatchObject({ path: "legacy/", type: "kv", options: null });
    expect(JSON.parse((await preflight("team", token)).body).data.path).toBe("team/");
    // A revision of the CLI asks sys/mounts-all/<path>: the same answer.
    expect(JSON.parse((await preflight("secret/app", token, "sys/mounts-all/")).body).data.path).toBe("secret/");
  });

  it("without the ACL in front, but filtered by the token: Vault's 403s", async () => {
    // reader may read secret/data/app: a rule below secret/ gives access to the mount.
    expect(JSON.parse((await preflight("secret/app", reader)).body).data.path).toBe("secret/");
    const denied = await preflight("team/x", reader);
    expect([denied.status, errorsOf(denied.body)]).toEqual([403, ['preflight capability check returned 403, please ensure client\'s policies grant access to path "team/x/"']]);
    const none = await preflight("nope/x", token);
    expect([none.status, errorsOf(none.body)]).toEqual([403, ['preflight capability check returned 403, please ensure client\'s policies grant access to path "nope/x/"']]);
    expect(await preflight("secret/app")).toMatchObject({ status: 403, body: MISSING_TOKEN_BODY });
    expect(await preflight("secret/app", "hvs.unknown")).toMatchObject({ status: 403, body: INVALID_TOKEN_BODY });
  });

  it("GET sys/internal/ui/mounts lists what the token can reach; without a token, nothing", async () => {
    const mine = JSON.parse((await raw("GET", `${served.url}/v1/sys/internal/ui/mounts`, auth(reader))).body).data;
    expect(Object.keys(mine.secret)).toContain("secret/");
    expect(Object.keys(mine.secret)).not.toContain("team/");
    expect(Object.keys(mine.secret)).not.toContain("legacy/");
    // The default policy reaches the token store (auth/token/lookup-self…).
    expect(Object.keys(mine.auth)).toEqual(["token/"]);
    expect(mine.auth["token/"]).toMatchObject({ type: "token", accessor: expect.stringMatching(/^auth_token_[0-9a-f]{8}$/) });
    const all = JSON.parse((await raw("GET", `${served.url}/v1/sys/internal/ui/mounts`, auth())).body).data;
    expect(Object.keys(all.secret)).toEqual(expect.arrayContaining(["secret/", "legacy/", "team/", "sys/"]));
    expect(JSON.parse((await raw("GET", `${served.url}/v1/sys/internal/ui/mounts`, {})).body).data).toEqual({ auth: {}, secret: {} });
  });
});
