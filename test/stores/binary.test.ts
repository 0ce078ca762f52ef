import { describe, expect, it } from "vitest";
import { binaryStore } from "../../src/sops/stores/binary.js";
import { Branch, SopsInt } from "../../src/sops/tree.js";
import { expectStoreError } from "./expect-error.js";

const txt = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("binary store", () => {
  it("the plaintext is the raw bytes under data, never decoded, and is written back as is", () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0xff, 0x00, 0x0d, 0x0a, 0xc3, 0x28, 0x5c, 0x6e]);
    const [b] = binaryStore.parsePlain(raw);
    expect(b!.items).toStrictEqual([{ key: "data", value: raw }]);
    const out = binaryStore.emitPlain([b!]);
    expect(Buffer.from(out).equals(Buffer.from(raw))).toBe(true);
    // The tree holds a copy: changing the input afterwards changes nothing.
    raw[0] = 0;
    expect((b!.get("data") as Uint8Array)[0]).toBe(0xef);
    expect(binaryStore.parsePlain(new Uint8Array())[0]!.get("data")).toEqual(new Uint8Array());
  });

  it("writes a decrypted string value as UTF-8; refuses a tree without a data string", () => {
    expect(txt(binaryStore.emitPlain([new Branch([{ key: "other", value: "x" }, { key: "data", value: "héllo\n" }])]))).toBe("héllo\n");
    expectStoreError(() => binaryStore.emitPlain([new Branch([{ key: "other", value: "s3cr3t" }])]), "dump", "s3cr3t");
    expectStoreError(() => binaryStore.emitPlain([new Branch([{ key: "data", value: new SopsInt(1n) }])]), "dump");
    expectStoreError(() => binaryStore.emitPlain([]), "dump");
    expectStoreError(() => binaryStore.emitPlain([new Branch([{ key: "data", value: "a" }]), new Branch([{ key: "data", value: "b" }])]), "dump");
  });

  it("encrypted, it is the JSON envelope with JSON formatting (tab by default, trailing newline)", () => {
    const doc = { branches: [new Branch([{ key: "data", value: "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]" }])], metadata: { version: "3.13.2" } };
    const out = txt(binaryStore.emitEncrypted(doc));
    expect(out).toBe('{\n\t"data": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]",\n\t"sops": {\n\t\t"version": "3.13.2"\n\t}\n}\n');
    expect(txt(binaryStore.emitEncrypted(doc, { indent: 2 }))).toBe('{\n  "data": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]",\n  "sops": {\n    "version": "3.13.2"\n  }\n}\n');
    expect(binaryStore.parseEncrypted(new TextEncoder().encode(out))).toEqual({ branches: doc.branches, metadata: doc.metadata });
  });

  it("an encrypted binary file that is not JSON is a parse error that does not quote it", () => {
    expectStoreError(() => binaryStore.parseEncrypted(new TextEncoder().encode("s3cr3t plain bytes")), "parse", "s3cr3t");
  });
});
