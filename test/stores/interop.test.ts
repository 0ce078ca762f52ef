import { describe, expect, it } from "vitest";
import { openWithDataKey } from "../../src/sops/document.js";
import { metadataToPlain, parseMetadata } from "../../src/sops/metadata.js";
import { binaryStore } from "../../src/sops/stores/binary.js";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { iniStore } from "../../src/sops/stores/ini.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import type { Store } from "../../src/sops/stores/store.js";
import { Branch, Comment, toPlain, type Item } from "../../src/sops/tree.js";
import { dataKeys, fixture } from "../helpers/fixtures.js";

/**
 * Every dotenv, INI, JSON and binary file in test/fixtures/sops-age: parse → emit gives back sops' bytes
 * where the file was written by the sops we emulate, and the parsed tree decrypts (MAC verified with
 * the manifest's data key), which proves the keys, comments and sections carry the right AADs.
 */

const utf8 = (b: Uint8Array) => Buffer.from(b).toString("utf8");

function roundTrip(store: Store, file: string): { input: Buffer; output: Buffer } {
  const input = fixture(file);
  const doc = store.parseEncrypted(input);
  expect(doc.metadata).not.toBeNull();
  return { input, output: Buffer.from(store.emitEncrypted({ branches: doc.branches, metadata: doc.metadata! })) };
}

/** Through the metadata layer too: what a re-encryption by us writes (sops 3.13 metadata order). */
function viaMetadata(store: Store, file: string): Buffer {
  const doc = store.parseEncrypted(fixture(file));
  return Buffer.from(store.emitEncrypted({ branches: doc.branches, metadata: metadataToPlain(parseMetadata(doc.metadata!)) }));
}

function open(store: Store, file: string) {
  const doc = store.parseEncrypted(fixture(file));
  return openWithDataKey(doc.branches, parseMetadata(doc.metadata!), Buffer.from(dataKeys[file]!, "hex"));
}

/** Splits a flattened file into data lines and metadata lines. */
function split(text: string, isMeta: (line: string) => boolean): { data: string[]; meta: string[] } {
  const lines = text.split("\n");
  return { data: lines.filter((l) => !isMeta(l)), meta: lines.filter(isMeta).sort() };
}

const item = (b: Branch, i: number) => b.items[i] as Item;

describe("dotenv fixtures", () => {
  // Written by 3.8.1 to 3.13.1: all sort the flattened metadata keys, and a plain string sort equals
  // 3.13's per-level order here (no list reaches 10 entries). Identical bytes.
  for (const f of [
    "getsops-sops-pgp/format.enc.env",
    "humphd-sops-age/secret.enc.env",
    "humphd-sops-age/history/secret.v1.enc.env",
    "fluxcd-kustomize-controller/envs-env.env",
    "fluxcd-kustomize-controller/component-env.env",
  ]) {
    it(`${f}: parse → emit gives the same bytes, also through the metadata layer`, () => {
      const { input, output } = roundTrip(dotenvStore, f);
      expect(output.equals(input)).toBe(true);
      expect(viaMetadata(dotenvStore, f).equals(input)).toBe(true);
    });
  }

  it("sops-nix secrets.env (3.7.3): metadata in random order in the file; we write it grouped, sorted per level", () => {
    // sops 3.7 wrote the flattened keys in Go map order. The data lines must be identical and the
    // metadata lines the same set; through the metadata layer they come out in sops 3.13's order.
    const f = "sops-nix/pgp-only/secrets.env";
    const { input, output } = roundTrip(dotenvStore, f);
    const isMeta = (l: string) => l.startsWith("sops_");
    expect(split(output.toString(), isMeta)).toEqual(split(input.toString(), isMeta));
    const ordered = viaMetadata(dotenvStore, f).toString().split("\n").filter(isMeta).map((l) => l.slice(0, l.indexOf("=")));
    expect(ordered).toEqual([
      "sops_lastmodified",
      "sops_mac",
      "sops_pgp__list_0__map_created_at",
      "sops_pgp__list_0__map_enc",
      "sops_pgp__list_0__map_fp",
      "sops_pgp__list_1__map_created_at",
      "sops_pgp__list_1__map_enc",
      "sops_pgp__list_1__map_fp",
      "sops_unencrypted_suffix",
      "sops_version",
    ]);
  });

  it('format.enc.env: the key is "foo " (trailing space) and decrypts to " bar" under AAD "foo :"', () => {
    const doc = dotenvStore.parseEncrypted(fixture("getsops-sops-pgp/format.enc.env"));
    expect(doc.branches).toHaveLength(1);
    expect(item(doc.branches[0]!, 0).key).toBe("foo ");
    expect(String(item(doc.branches[0]!, 0).value)).toMatch(/^ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]$/);
    expect(doc.metadata).toMatchObject({ lastmodified: "2026-05-22T20:15:29Z", version: "3.13.1", pgp: [{ fp: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4" }] });
    const enc = (doc.metadata as { pgp: Array<{ enc: string }> }).pgp[0]!.enc;
    expect(enc.startsWith("-----BEGIN PGP MESSAGE-----\n\n")).toBe(true);
    expect(enc.endsWith("\n-----END PGP MESSAGE-----")).toBe(true);
    expect(toPlain(open(dotenvStore, "getsops-sops-pgp/format.enc.env").branches[0]!)).toEqual({ "foo ": " bar" });
  });

  it("sops-nix secrets.env: the first item is an encrypted comment (AAD ':'), multi-line value", () => {
    const doc = dotenvStore.parseEncrypted(fixture("sops-nix/pgp-only/secrets.env"));
    const first = doc.branches[0]!.items[0];
    expect(first).toBeInstanceOf(Comment);
    expect((first as Comment).text).toMatch(/^ENC\[AES256_GCM,.*type:comment\]$/);
    const opened = open(dotenvStore, "sops-nix/pgp-only/secrets.env").branches[0]!;
    expect((opened.items[0] as Comment).text).toBe(" This is an example file.");
    expect(toPlain(opened)).toEqual({
      hello: "Welcome to SOPS! Edit this file as you please!",
      example_key: "example_value",
      example_multiline: "foo\nbar\nbaz",
      never_gonna: "give you up",
    });
  });

  it("humphd: quotes are part of the value; numbers stay strings", () => {
    expect(toPlain(open(dotenvStore, "humphd-sops-age/history/secret.v1.enc.env").branches[0]!)).toEqual({ secret: '"this is a secret"' });
    expect(toPlain(open(dotenvStore, "humphd-sops-age/secret.enc.env").branches[0]!)).toEqual({ secret: "this is a secret", another_secret: "7" });
    for (const f of ["fluxcd-kustomize-controller/envs-env.env", "fluxcd-kustomize-controller/component-env.env"]) {
      expect(toPlain(open(dotenvStore, f).branches[0]!)).toEqual({ key: "value" });
    }
  });

  it("age metadata unflattens to the nested shape, values as strings", () => {
    const doc = dotenvStore.parseEncrypted(fixture("humphd-sops-age/secret.enc.env"));
    const m = doc.metadata as { age: Array<{ enc: string; recipient: string }> };
    expect(Object.keys(m)).toEqual(["age", "lastmodified", "mac", "unencrypted_suffix", "version"]);
    expect(m.age.map((a) => a.recipient)).toEqual([
      "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr",
      "age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd",
      "age13runq29jhy9kfpaegczrzttykerswh0qprq59msgd754yermtfmsa3hwg2",
    ]);
    expect(m.age[0]!.enc).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
  });
});

describe("INI fixtures", () => {
  it("format.enc.ini (3.13.2): parse → emit gives the same bytes, also through the metadata layer", () => {
    const { input, output } = roundTrip(iniStore, "getsops-sops-pgp/format.enc.ini");
    expect(output.equals(input)).toBe(true);
    expect(viaMetadata(iniStore, "getsops-sops-pgp/format.enc.ini").equals(input)).toBe(true);
  });

  it('format-2.enc.ini (3.13.1): the """…""" multi-line metadata reads the same; we write the 3.13.2 \\n form', () => {
    const doc = iniStore.parseEncrypted(fixture("getsops-sops-pgp/format-2.enc.ini"));
    const enc = (doc.metadata as { pgp: Array<{ enc: string }> }).pgp[0]!.enc;
    expect(enc.split("\n")).toHaveLength(12); // BEGIN, blank, 8 base64 lines, checksum, END
    expect(enc.startsWith("-----BEGIN PGP MESSAGE-----\n\nwcBMAyUpShfNkFB")).toBe(true);
    expect(enc.endsWith("\n=j3Rn\n-----END PGP MESSAGE-----")).toBe(true);
    const { input, output } = roundTrip(iniStore, "getsops-sops-pgp/format-2.enc.ini");
    // The only change: the armor's newlines become the two characters \n on one line (sops #2189).
    const expected = input.toString().replace(/"""([\s\S]*?)"""/, (_, armor: string) => armor.replaceAll("\n", "\\n"));
    expect(output.toString()).toBe(expected);
    expect(toPlain(open(iniStore, "getsops-sops-pgp/format-2.enc.ini").branches[0]!)).toEqual({ DEFAULT: {}, foo: { bar: "baz" } });
  });

  it("humphd secret.enc.ini (3.8.1): same data, [sops] keys in Go map order in the file, sorted by us", () => {
    for (const f of ["humphd-sops-age/secret.enc.ini", "humphd-sops-age/history/secret.v1.enc.ini"]) {
      const { input, output } = roundTrip(iniStore, f);
      const [inData, inMeta] = input.toString().split("[sops]\n") as [string, string];
      const [outData, outMeta] = output.toString().split("[sops]\n") as [string, string];
      expect(outData).toBe(inData);
      expect(outMeta.split("\n").sort()).toEqual(inMeta.split("\n").sort());
    }
    const doc = iniStore.parseEncrypted(fixture("humphd-sops-age/secret.enc.ini"));
    expect(doc.branches[0]!.keys()).toEqual(["DEFAULT", "complex"]);
    expect(toPlain(open(iniStore, "humphd-sops-age/secret.enc.ini").branches[0]!)).toEqual({ DEFAULT: { secret: "this is a secret" }, complex: { string: "string" } });
    expect(toPlain(open(iniStore, "humphd-sops-age/history/secret.v1.enc.ini").branches[0]!)).toEqual({ DEFAULT: { secret: "this is a secret" } });
  });

  it("3.5.0 / 3.7.3 files: same data; go-ini then also left a blank line after the last section", () => {
    for (const f of ["getsops-sops-pgp/example.ini", "sops-nix/pgp-only/secrets.ini"]) {
      const { input, output } = roundTrip(iniStore, f);
      expect(input.toString().endsWith("\n\n")).toBe(true);
      expect(output.toString().endsWith("\n\n")).toBe(false);
      const [inData, inMeta] = input.toString().split("[sops]\n") as [string, string];
      const [outData, outMeta] = output.toString().split("[sops]\n") as [string, string];
      expect(outData).toBe(inData);
      expect(outMeta.split("\n").filter(Boolean).sort()).toEqual(inMeta.split("\n").filter(Boolean).sort());
    }
  });

  it("sops-nix secrets.ini: empty DEFAULT section first; the section comment is the first item of Welcome! (AAD 'Welcome!:')", () => {
    const doc = iniStore.parseEncrypted(fixture("sops-nix/pgp-only/secrets.ini"));
    const tree = doc.branches[0]!;
    expect(tree.keys()).toEqual(["DEFAULT", "Welcome!"]);
    expect((tree.get("DEFAULT") as Branch).items).toEqual([]);
    const welcome = tree.get("Welcome!") as Branch;
    expect(welcome.items[0]).toBeInstanceOf(Comment);
    expect((welcome.items[0] as Comment).text).toMatch(/^ENC\[AES256_GCM,.*type:comment\]$/);
    const opened = open(iniStore, "sops-nix/pgp-only/secrets.ini").branches[0]!;
    expect(((opened.get("Welcome!") as Branch).items[0] as Comment).text).toBe("This is an example file.");
    expect(toPlain(opened)).toEqual({
      DEFAULT: {},
      "Welcome!": { hello: "Welcome to SOPS! Edit this file as you please!", example_key: "example_value", never_gonna: "give you up" },
    });
  });

  it("example.ini: five sections in order, a section with a space in its name, a clear _unencrypted value", () => {
    const opened = open(iniStore, "getsops-sops-pgp/example.ini").branches[0]!;
    expect(opened.keys()).toEqual(["DEFAULT", "name", "address", "phoneNumbers", "not private"]);
    expect((opened.get("name") as Branch).items[0]).toBeInstanceOf(Comment);
    expect((opened.get("not private") as Branch).get("notsecret_unencrypted")).toBe("hi there!");
    expect(Object.keys((toPlain(opened) as Record<string, object>).address!)).toEqual(["city", "postalCode", "state", "streetAddress"]);
  });
});

describe("JSON fixtures", () => {
  it("format.enc.json (3.13.1): parse → emit gives the same bytes, also through the metadata layer", () => {
    const { input, output } = roundTrip(jsonStore, "getsops-sops-pgp/format.enc.json");
    expect(output.equals(input)).toBe(true);
    expect(viaMetadata(jsonStore, "getsops-sops-pgp/format.enc.json").equals(input)).toBe(true);
    expect(toPlain(open(jsonStore, "getsops-sops-pgp/format.enc.json").branches[0]!)).toEqual({ foo: "bar" });
  });

  it("3.5.0 files: the metadata as read comes back verbatim (nulls, struct order); only the trailing newline (3.10+) is new", () => {
    for (const f of ["getsops-sops-pgp/example.json", "getsops-sops-pgp/examples-all_in_one-secret.enc.json", "sops-nix/pgp-only/secrets.json"]) {
      const { input, output } = roundTrip(jsonStore, f);
      expect(input.at(-1)).toBe(0x7d);
      expect(output.equals(Buffer.concat([input, Buffer.from("\n")]))).toBe(true);
    }
  });

  it("decrypts with the right types and AADs (nested objects, arrays, empty string)", () => {
    const example = toPlain(open(jsonStore, "getsops-sops-pgp/example.json").branches[0]!) as Record<string, unknown>;
    expect(example.anEmptyValue).toBe("");
    expect(example.age).toBe(25.4);
    expect(toPlain(open(jsonStore, "getsops-sops-pgp/examples-all_in_one-secret.enc.json").branches[0]!)).toEqual({ github_oauth_token: "t00m4nys3cr3tz" });
    expect(toPlain(open(jsonStore, "sops-nix/pgp-only/secrets.json").branches[0]!)).toEqual({ test_key: "test_value" });
  });

  it("humphd (prettier-reformatted, so not byte-comparable): parses and decrypts; key order kept", async () => {
    const { openDocument } = await import("../../src/sops/document.js");
    const { knownDataKey } = await import("../helpers/fixtures.js");
    const doc = jsonStore.parseEncrypted(fixture("humphd-sops-age/secret.enc.json"));
    expect(doc.branches[0]!.keys()).toEqual(["secret", "string", "int", "float", "boolean", "0word", "complex"]);
    const opened = await openDocument(doc, knownDataKey(dataKeys["humphd-sops-age/secret.enc.json"]!));
    expect(toPlain(opened.branches[0]!)).toEqual({
      secret: "this is a secret",
      string: "string",
      int: 7,
      float: 3.14,
      boolean: true,
      "0word": "gotta match go",
      complex: { value: "this is a secret", array: ["one", "two", "three"] },
    });
  });
});

describe("binary fixtures", () => {
  it("files-file.txt (3.9.0) and the 3.5.0 files: the same bytes plus the trailing newline of 3.10+", () => {
    for (const f of ["fluxcd-kustomize-controller/files-file.txt", "sops-nix/pgp-only/secrets.bin", "getsops-sops-pgp/example.txt"]) {
      const { input, output } = roundTrip(binaryStore, f);
      expect(output.equals(Buffer.concat([input, Buffer.from("\n")]))).toBe(true);
    }
  });

  it("decrypts to the raw file bytes, written back as they are", () => {
    const flux = open(binaryStore, "sops-nix/pgp-only/secrets.bin");
    expect(utf8(binaryStore.emitPlain(flux.branches))).toBe("binary_value\n");
    expect(utf8(binaryStore.emitPlain(open(binaryStore, "getsops-sops-pgp/example.txt").branches))).toMatch(/\n.*\n/);
    const doc = binaryStore.parseEncrypted(fixture("fluxcd-kustomize-controller/files-file.txt"));
    expect(doc.branches[0]!.keys()).toEqual(["data"]);
  });
});
