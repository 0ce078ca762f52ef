import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { raw, startAuditedServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * KV version 2 writes through `secrets serve` (dist/cli.js), with node-vault, hashi-vault-js,
 * node-vault-client and node:http for exact bytes. Expectations come from
 * vault-plugin-secrets-kv: path_data.go (pathDataWrite answers the new version's info, pathDataPatch,
 * pathDataDelete 204), path_delete.go / path_destroy.go (204), path_metadata.go (204), and Vault's
 * http/logical.go (the PATCH Content-Type check, 415); the CAS strings are the plugin's
 * (validateCheckAndSetOption), as issue #14 lists them.
 */

const require = createRequire(import.meta.url);

let sb: Sandbox;
let served: Served;
let token: string;
let auditFile: string;

/** Values written in this file: none may reach the audit log or a commit message. */
const WRITTEN = ["written-value-alpha", "written-value-beta", "written-value-gamma", "patched-value-delta", "cas-race-value"];

beforeAll(async () => {
  ({ sb, served, token, auditFile } = await startAuditedServe());
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

const auth = (extra: Record<string, string> = {}) => ({ "X-Vault-Token": token, ...extra });
const json = (extra: Record<string, string> = {}) => auth({ "Content-Type": "application/json", ...extra });
const post = (path: string, body: unknown, method = "POST", headers = json()) => raw(method, `${served.url}/v1/${path}`, headers, JSON.stringify(body));
const lastCommit = () => sb.git("log", "-1", "--format=%an <%ae>%n%cn%n%s").trim().split("\n");
const errorsOf = (body: string) => JSON.parse(body).errors as string[];

describe("POST|PUT secret/data/<path>", () => {
  it("node-vault writes a new secret: Vault's write response (the version's info), read back, one commit by the token's display name", async () => {
    const vault = require("node-vault")({ endpoint: served.url, token });
    const r = await vault.write("secret/data/app2", { data: { a: WRITTEN[0], n: 1 } });
    expect(Object.keys(r)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(r.mount_type).toBe("kv");
    // path_data.go pathDataWrite: created_time, custom_metadata, deletion_time, destroyed, version.
    expect(Object.keys(r.data)).toEqual(["created_time", "custom_metadata", "deletion_time", "destroyed", "version"]);
    expect(r.data).toMatchObject({ version: 1, deletion_time: "", destroyed: false, custom_metadata: null });
    const back = await vault.read("secret/data/app2");
    expect(back.data.data).toEqual({ a: WRITTEN[0], n: 1 });
    expect(back.data.metadata.version).toBe(1);
    // The root token's display name is `root` (root-token.ts).
    const [author, committer, subject] = lastCommit();
    expect(author).toBe("root <root@secrets-serve>");
    expect(committer).toBe("secrets-serve");
    expect(subject).toBe("write secret/app2 (version 1)");
    for (const v of WRITTEN) expect(sb.git("log", "-1", "--format=%B")).not.toContain(v);
  });

  it("PUT is POST; the second write is version 2 and replaces the whole data", async () => {
    const r = await post("secret/data/app2", { data: { b: WRITTEN[1] } }, "PUT");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r.body).data.version).toBe(2);
    const back = JSON.parse((await raw("GET", `${served.url}/v1/secret/data/app2`, auth())).body);
    expect(back.data.data).toEqual({ b: WRITTEN[1] });
  });

  it("no data field: 400 `no data provided`; check-and-set errors: 400 with the plugin's strings; nothing committed", async () => {
    const head = sb.git("rev-parse", "HEAD").trim();
    const none = await post("secret/data/app2", { options: {} });
    expect([none.status, none.body, none.headers["content-type"]]).toEqual([400, '{"errors":["no data provided"]}\n', "application/json"]);
    const stale = await post("secret/data/app2", { options: { cas: 1 }, data: { c: WRITTEN[2] } });
    expect([stale.status, stale.body]).toEqual([400, '{"errors":["check-and-set parameter did not match the current version"]}\n']);
    const bad = await raw("POST", `${served.url}/v1/secret/data/app2`, json(), "{not json");
    expect([bad.status, bad.body]).toEqual([400, '{"errors":["error parsing JSON"]}\n']);
    expect(sb.git("rev-parse", "HEAD").trim()).toBe(head);
  });

  it("hashi-vault-js: createKVSecret (cas 0: create only; again: 400 CAS error), updateKVSecret with the version", async () => {
    const { default: Vault } = await import("hashi-vault-js");
    // hashi-vault-js declares its answers as Object.
    const vault = new Vault({ https: false, baseUrl: `${served.url}/v1`, timeout: 10_000 }) as unknown as Record<string, (...a: unknown[]) => Promise<any>>;
    const created = await vault.createKVSecret!(token, "hv", { k: WRITTEN[0] });
    expect(created.version).toBe(1);
    const again = await vault.createKVSecret!(token, "hv", { k: WRITTEN[1] }).catch((e: { response: { status: number; data: unknown } }) => e);
    expect([again.response.status, again.response.data]).toEqual([400, { errors: ["check-and-set parameter did not match the current version"] }]);
    const updated = await vault.updateKVSecret!(token, "hv", { k: WRITTEN[1] }, 1);
    expect(updated.version).toBe(2);
    expect((await vault.readKVSecret!(token, "hv")).data).toEqual({ k: WRITTEN[1] });
  });

  it("node-vault-client: write, then read back", async () => {
    const VaultClient = require("node-vault-client");
    const client = VaultClient.boot(`serve-write-${Date.now()}`, { api: { url: served.url }, auth: { type: "token", config: { token } } });
    await client.write("secret/data/nvc", { data: { x: WRITTEN[2] } });
    expect((await client.read("secret/data/nvc")).getData().data).toEqual({ x: WRITTEN[2] });
  });

  it("an integer beyond 2^53 keeps its digits (Vault decodes json.Number), in a write and in a patch; beyond int64, a float", async () => {
    const big = "1152921504606846983";
    const w = await raw("POST", `${served.url}/v1/secret/data/bignum`, json(), `{"data":{"n":${big},"small":5}}`);
    expect(w.status).toBe(200);
    expect((await raw("GET", `${served.url}/v1/secret/data/bignum`, auth())).body).toContain(`"data":{"n":${big},"small":5}`);
    const p = await raw("PATCH", `${served.url}/v1/secret/data/bignum`, auth({ "Content-Type": "application/merge-patch+json" }), `{"data":{"m":-${big}}}`);
    expect(p.status).toBe(200);
    expect((await raw("GET", `${served.url}/v1/secret/data/bignum`, auth())).body).toContain(`"data":{"m":-${big},"n":${big},"small":5}`);
    // An integral number beyond int64 is a float64, as sops reads it: the secret stays readable.
    expect((await raw("POST", `${served.url}/v1/secret/data/bignum`, json(), '{"data":{"f":11529215046068469831,"g":1e300}}')).status).toBe(200);
    expect((await raw("GET", `${served.url}/v1/secret/data/bignum`, auth())).body).toContain('"data":{"f":11529215046068470000,"g":1e+300}');
    // A repeated key (Go keeps the last) and other JSON still parse as before.
    expect((await raw("POST", `${served.url}/v1/secret/data/bignum`, json(), '{"data":{"n":1,"n":2}}')).status).toBe(200);
    expect((await raw("GET", `${served.url}/v1/secret/data/bignum`, auth())).body).toContain('"data":{"n":2}');
  });

  it("two concurrent writes with the same cas: exactly one 200, the other 400 check-and-set", async () => {
    const current = JSON.parse((await raw("GET", `${served.url}/v1/secret/data/app2`, auth())).body).data.metadata.version as number;
    const results = await Promise.all([1, 2].map((i) => post("secret/data/app2", { options: { cas: current }, data: { race: `${WRITTEN[4]}-${i}` } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)!.body).toBe('{"errors":["check-and-set parameter did not match the current version"]}\n');
    expect(JSON.parse(results.find((r) => r.status === 200)!.body).data.version).toBe(current + 1);
  });
});

describe("DELETE data, delete/undelete/destroy", () => {
  it("DELETE secret/data/<path>: 204 with no body; the read is then a 404 with the version's metadata; undelete brings it back", async () => {
    const del = await raw("DELETE", `${served.url}/v1/secret/data/hv`, auth());
    expect([del.status, del.body, del.headers["content-type"]]).toEqual([204, "", undefined]);
    expect(lastCommit()[2]).toBe("delete secret/hv (version 2)");
    const gone = await raw("GET", `${served.url}/v1/secret/data/hv`, auth());
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body).data.metadata.deletion_time).not.toBe("");
    // The file is gone from the work tree, but the key's metadata is not: Vault still answers it, every version listed.
    const meta = await raw("GET", `${served.url}/v1/secret/metadata/hv`, auth());
    expect(meta.status).toBe(200);
    const versions = JSON.parse(meta.body).data.versions;
    expect(Object.keys(versions)).toEqual(["1", "2"]);
    expect(versions["2"].deletion_time).not.toBe("");
    // Listed still, as Vault lists a key whose versions are all deleted.
    expect(JSON.parse((await raw("LIST", `${served.url}/v1/secret/metadata/`, auth())).body).data.keys).toContain("hv");
    const undel = await post("secret/undelete/hv", { versions: [2] });
    expect([undel.status, undel.body]).toEqual([204, ""]);
    expect(JSON.parse((await raw("GET", `${served.url}/v1/secret/data/hv`, auth())).body).data.data).toEqual({ k: WRITTEN[1] });
  });

  it("POST secret/delete with versions, then destroy: 204s; without versions, the plugin's two spellings", async () => {
    expect((await post("secret/delete/hv", { versions: [1] })).status).toBe(204);
    const destroyed = await post("secret/destroy/hv", { versions: "1" });
    expect([destroyed.status, destroyed.body]).toEqual([204, ""]);
    const v1 = JSON.parse((await raw("GET", `${served.url}/v1/secret/data/hv?version=1`, auth())).body);
    expect(v1.data.metadata.destroyed).toBe(true);
    // path_delete.go and path_destroy.go spell it differently.
    expect((await post("secret/delete/hv", {})).body).toBe('{"errors":["No version number provided"]}\n');
    expect((await post("secret/undelete/hv", { versions: [] })).body).toBe('{"errors":["No version number provided"]}\n');
    expect((await post("secret/destroy/hv", {})).body).toBe('{"errors":["no version number provided"]}\n');
    expect((await raw("GET", `${served.url}/v1/secret/delete/hv`, auth())).status).toBe(405);
  });
});

describe("LIST secret/metadata/ after deletes", () => {
  const list = async (folder: string) => {
    const r = await raw("LIST", `${served.url}/v1/secret/metadata/${folder}`, auth());
    return r.status === 200 ? (JSON.parse(r.body).data.keys as string[]) : r.status;
  };

  it("names a soft-deleted secret and its folder until DELETE metadata/ forgets it, as Vault does", async () => {
    await post("secret/data/gone/one", { data: { k: WRITTEN[2] } });
    expect((await raw("DELETE", `${served.url}/v1/secret/data/gone/one`, auth())).status).toBe(204);
    expect(await list("gone")).toEqual(["one"]);
    expect(await list("")).toContain("gone/");
    expect((await post("secret/destroy/gone/one", { versions: [1] })).status).toBe(204);
    expect(await list("gone")).toEqual(["one"]);
    expect((await raw("DELETE", `${served.url}/v1/secret/metadata/gone/one`, auth())).status).toBe(204);
    expect(await list("gone")).toBe(404);
    expect(await list("")).not.toContain("gone/");
  });
});

describe("PATCH secret/data/<path>", () => {
  it("a merge patch: 200 with the new version; keys not named stay, null removes", async () => {
    await post("secret/data/p", { data: { keep: WRITTEN[0], drop: WRITTEN[1] } });
    const r = await post("secret/data/p", { data: { drop: null, add: WRITTEN[3] } }, "PATCH", json({ "Content-Type": "application/merge-patch+json" }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).data.version).toBe(2);
    expect(JSON.parse((await raw("GET", `${served.url}/v1/secret/data/p`, auth())).body).data.data).toEqual({ keep: WRITTEN[0], add: WRITTEN[3] });
  });

  it("another Content-Type: 415 with Vault's text (http/logical.go); none: 400 from Go's mime parser", async () => {
    const wrong = await post("secret/data/p", { data: { add: "x" } }, "PATCH");
    expect([wrong.status, wrong.body]).toEqual([415, '{"errors":["PATCH requires Content-Type of application/merge-patch+json, provided application/json"]}\n']);
    const none = await post("secret/data/p", { data: { add: "x" } }, "PATCH", auth());
    expect([none.status, none.body]).toEqual([400, '{"errors":["mime: no media type"]}\n']);
  });

  it("a key that does not exist: 404 with an empty body (pathDataPatch RespondWithStatusCode(nil, …))", async () => {
    const r = await post("secret/data/nothing-here", { data: { a: "b" } }, "PATCH", json({ "Content-Type": "application/merge-patch+json" }));
    expect([r.status, r.body]).toEqual([404, ""]);
  });
});

describe("secret/metadata/<path> writes", () => {
  it("POST metadata: 204; read back; DELETE metadata: 204 and the key is gone; its next write is version 1 again, as in Vault", async () => {
    const w = await post("secret/metadata/p", { max_versions: 5, custom_metadata: { owner: "team-a" } });
    expect([w.status, w.body]).toEqual([204, ""]);
    expect(lastCommit()[2]).toBe("write metadata of secret/p");
    const meta = JSON.parse((await raw("GET", `${served.url}/v1/secret/metadata/p`, auth())).body).data;
    expect(meta).toMatchObject({ max_versions: 5, custom_metadata: { owner: "team-a" } });
    const d = await raw("DELETE", `${served.url}/v1/secret/metadata/p`, auth());
    expect([d.status, d.body]).toEqual([204, ""]);
    expect((await raw("GET", `${served.url}/v1/secret/data/p`, auth())).status).toBe(404);
    expect((await raw("GET", `${served.url}/v1/secret/metadata/p`, auth())).status).toBe(404);
    const again = await post("secret/data/p", { options: { cas: 0 }, data: { fresh: "start" } });
    expect([again.status, JSON.parse(again.body).data.version]).toEqual([200, 1]);
    const fresh = JSON.parse((await raw("GET", `${served.url}/v1/secret/metadata/p`, auth())).body).data;
    expect([fresh.current_version, Object.keys(fresh.versions), fresh.custom_metadata]).toEqual([1, ["1"], null]);
  });
});

describe("the audit log", () => {
  it("holds no written value", () => {
    const log = readFileSync(auditFile, "utf8");
    expect(log).toContain('"operation":"create"');
    for (const v of [...WRITTEN, ...VALUES]) expect(log).not.toContain(v);
  });
});
