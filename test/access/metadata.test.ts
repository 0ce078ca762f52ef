import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fastMetadataPlain, readMetadata } from "../../src/access/metadata.js";
import { formatForPath, loadStore } from "../../src/files/format.js";
import { parseMetadata } from "../../src/sops/metadata.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { Branch } from "../../src/sops/tree.js";
import { INTEROP } from "../helpers/fixtures.js";

/** The metadata-only reader gives the full store's answer, on real sops files and on edge cases. */

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === "keys" ? [] : files(p);
    return /MANIFEST|PROVENANCE|SHA256SUMS|gitattributes|key.*\.txt$/.test(n) ? [] : [p];
  });
}

async function storeAnswer(bytes: Uint8Array, file: string): Promise<unknown> {
  const format = formatForPath(file);
  try {
    const m = (await loadStore(format)).parseEncrypted(bytes).metadata;
    return m === null ? "plain" : parseMetadata(m);
  } catch (e) {
    return format === "binary" ? "plain" : `error ${(e as Error).message}`;
  }
}

async function ourAnswer(bytes: Uint8Array, file: string): Promise<unknown> {
  try {
    const r = await readMetadata(bytes, formatForPath(file));
    return r.kind === "encrypted" ? r.metadata : r.kind;
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
}

describe("readMetadata", () => {
  const interop = files(INTEROP);
  it("has interop files to check", () => expect(interop.length).toBeGreaterThan(20));

  it.each(interop.map((p) => [p.slice(INTEROP.length + 1), p]))("%s: same metadata as the full store", async (_name, p) => {
    const bytes = readFileSync(p);
    expect(await ourAnswer(bytes, p)).toEqual(await storeAnswer(bytes, p));
  });

  it("takes the fast path for files as sops and we write them, and only then", () => {
    const meta = { age: [{ enc: "-----BEGIN AGE ENCRYPTED FILE-----\nabc\n-----END AGE ENCRYPTED FILE-----\n", recipient: "age1x" }], lastmodified: "2024-01-01T00:00:00Z", mac: "ENC[x]", unencrypted_suffix: "_unencrypted", version: "3.13.2" };
    const data = new Branch([{ key: "a", value: "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]" }, { key: "sops", value: new Branch() }]);
    data.delete("sops");
    const yaml = Buffer.from(yamlStore.emitEncrypted({ branches: [data], metadata: meta })).toString();
    const json = Buffer.from(jsonStore.emitEncrypted({ branches: [data], metadata: meta })).toString();
    const json2 = Buffer.from(jsonStore.emitEncrypted({ branches: [data], metadata: meta }, { indent: 0 })).toString();
    expect(fastMetadataPlain(yaml, "yaml")).toEqual(meta);
    expect(fastMetadataPlain(json, "json")).toEqual(meta);
    expect(fastMetadataPlain(json2, "json")).toEqual(meta);
    // Not sops' shape: a nested "sops" key last, a sops block followed by more keys, two documents.
    expect(fastMetadataPlain('{"a": {"sops": {"x": 1}}}', "json")).toBeUndefined();
    expect(fastMetadataPlain(yaml + "extra: 1\n", "yaml")).toBeUndefined();
    expect(fastMetadataPlain(yaml + "---\n" + yaml, "yaml")).toBeUndefined();
  });

  it("classifies plaintext, empty and malformed files", async () => {
    const y = (s: string) => readMetadata(Buffer.from(s), "yaml");
    expect(await y("a: 1\n")).toEqual({ kind: "plain" });
    expect(await y("sopsy: 1\n")).toEqual({ kind: "plain" });
    expect(await readMetadata(new Uint8Array(), "yaml")).toEqual({ kind: "empty" });
    expect(await readMetadata(Buffer.from("\u0000binary sops"), "binary")).toEqual({ kind: "plain" });
    expect(await readMetadata(Buffer.from("A=1\n"), "dotenv")).toEqual({ kind: "plain" });
    await expect(y("a: x\nsops:\n    mac: y\n")).rejects.toThrow(/lastmodified is missing/);
    await expect(readMetadata(Buffer.from('{"sops": {not json'), "json")).rejects.toThrow();
    expect(await readMetadata(Buffer.from("{not json"), "json")).toEqual({ kind: "plain" });
    const multi = "a: 1\nsops:\n    age:\n        - recipient: age1x\n          enc: e\n    lastmodified: t\n---\nb: 2\n";
    const r = await y(multi);
    expect(r.kind === "encrypted" && r.metadata.keyGroups[0]!.age[0]!.recipient).toBe("age1x");
  });
});
