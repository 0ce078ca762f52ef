import { readFileSync, writeFileSync } from "node:fs";
import { KMSClient } from "@aws-sdk/client-kms";
import { decryptSops } from "sops-age";
import { decrypt as sopsDecoderDecrypt } from "sops-decoder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { identitiesFromStrings } from "../../src/keys/identities.js";
import { unwrapDataKey } from "../../src/keys/wrap.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * Files our CLI writes, read by readers we did not write (docs/independent-readers.md):
 * the npm `sops-age` package for values and `sops-decoder` as a MAC oracle. Go `age`, which opens the
 * wrapped data keys, is a system program: its test is in age-cli.interop.test.ts (npm run test:interop).
 */

let sb: Sandbox;
let recipient: string;
let secretKey: string;

const yamlPlain = `db:\n    user: app\n    password: "p@ss: w0rd #1"\nport: 5432\nratio: 0.5\nenabled: true\nlist:\n    - one\n    - two\nempty: ""\nnote_unencrypted: visible\n`;
const jsonPlain = '{\n\t"api": {\n\t\t"key": "sk-123",\n\t\t"retries": 3\n\t},\n\t"flag": false,\n\t"tags": [\n\t\t"a",\n\t\t"b"\n\t]\n}\n';
const envPlain = "DATABASE_URL=postgresql://user:password@host/db\nAPI_KEY=sk-1234567890\n";

beforeAll(async () => {
  sb = new Sandbox();
  recipient = (await sb.ok(["keygen"])).trim();
  secretKey = readFileSync(`${sb.dir}/config/sops/age/keys.txt`, "utf8").match(/AGE-SECRET-KEY-1\S+/)![0];
  writeFileSync(sb.path("a.yaml"), yamlPlain);
  writeFileSync(sb.path("a.json"), jsonPlain);
  writeFileSync(sb.path("a.env"), envPlain);
  for (const f of ["a.yaml", "a.json", "a.env"]) await sb.ok(["encrypt", "-i", "--age", recipient, f]);
  await sb.ok(["set", "a.yaml", '["db"]["password"]', '"changed"']);
});
afterAll(() => sb.cleanup());

async function dataKeyOf(armored: string): Promise<Buffer> {
  const key = await unwrapDataKey(armored, identitiesFromStrings([secretKey]));
  return Buffer.from(key!);
}

/** sops-decoder verifies the MAC; it only knows KMS, so hand it the data key through a stub client. */
async function macOracle(tree: Record<string, unknown>, dataKey: Buffer): Promise<unknown> {
  const original = KMSClient.prototype.send;
  KMSClient.prototype.send = (async () => ({ Plaintext: dataKey })) as never;
  try {
    const sops = tree.sops as Record<string, unknown>;
    sops.kms = [{ arn: "arn:aws:kms:us-east-1:000000000000:key/stub", enc: "AA==", created_at: sops.lastmodified }];
    return await sopsDecoderDecrypt(tree as never);
  } finally {
    KMSClient.prototype.send = original;
  }
}

describe("sops-age decrypts what we write", () => {
  it("YAML (after a set), JSON and dotenv", async () => {
    const y = await decryptSops(readFileSync(sb.path("a.yaml"), "utf8"), { secretKey, fileType: "yaml" });
    expect(y).toEqual({ db: { user: "app", password: "changed" }, port: 5432, ratio: 0.5, enabled: true, list: ["one", "two"], empty: "", note_unencrypted: "visible" });
    const j = await decryptSops(readFileSync(sb.path("a.json"), "utf8"), { secretKey, fileType: "json" });
    expect(j).toEqual({ api: { key: "sk-123", retries: 3 }, flag: false, tags: ["a", "b"] });
    const e = await decryptSops(readFileSync(sb.path("a.env"), "utf8"), { secretKey, fileType: "env" });
    expect(e).toEqual({ DATABASE_URL: "postgresql://user:password@host/db", API_KEY: "sk-1234567890" });
  });
});

describe("sops-decoder verifies our MACs (and catches tampering)", () => {
  it("JSON and YAML files verify", async () => {
    const jsonTree = JSON.parse(readFileSync(sb.path("a.json"), "utf8"));
    const jKey = await dataKeyOf(jsonTree.sops.age[0].enc);
    await expect(macOracle(jsonTree, jKey)).resolves.toEqual({ api: { key: "sk-123", retries: 3 }, flag: false, tags: ["a", "b"] });
    const yamlTree = parseYaml(readFileSync(sb.path("a.yaml"), "utf8"));
    const yKey = await dataKeyOf(yamlTree.sops.age[0].enc);
    await expect(macOracle(yamlTree, yKey)).resolves.toMatchObject({ db: { password: "changed" }, note_unencrypted: "visible" });
  });

  it("a dropped value or an edited clear value gives a hash mismatch", async () => {
    const yamlText = readFileSync(sb.path("a.yaml"), "utf8");
    const key = await dataKeyOf(parseYaml(yamlText).sops.age[0].enc);
    const edited = parseYaml(yamlText.replace("note_unencrypted: visible", "note_unencrypted: changed"));
    await expect(macOracle(edited, key)).rejects.toThrow();
    const dropped = parseYaml(yamlText);
    delete dropped.port;
    await expect(macOracle(dropped, key)).rejects.toThrow();
  });

  it("dotenv: folded back into a tree, the MAC verifies", async () => {
    const lines = readFileSync(sb.path("a.env"), "utf8").trim().split("\n");
    const tree: Record<string, unknown> = {};
    const flat: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf("=");
      const [k, v] = [l.slice(0, i), l.slice(i + 1)];
      if (k.startsWith("sops_")) flat[k.slice(5)] = v.replace(/\\n/g, "\n");
      else tree[k] = v;
    }
    const sops: Record<string, unknown> = {};
    const ageEntries: Array<Record<string, string>> = [];
    for (const [k, v] of Object.entries(flat)) {
      const m = /^age__list_(\d+)__map_(\w+)$/.exec(k);
      if (m) (ageEntries[Number(m[1])] ??= {})[m[2]!] = v;
      else sops[k] = v;
    }
    sops.age = ageEntries;
    tree.sops = sops;
    const key = await dataKeyOf(ageEntries[0]!.enc!);
    await expect(macOracle(tree, key)).resolves.toEqual({ DATABASE_URL: "postgresql://user:password@host/db", API_KEY: "sk-1234567890" });
  });
});

