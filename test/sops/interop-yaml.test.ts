import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { openDocument, openWithDataKey } from "../../src/sops/document.js";
import { parseMetadata } from "../../src/sops/metadata.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { toPlain } from "../../src/sops/tree.js";
import { dataKeys, fixture, knownDataKey } from "../helpers/fixtures.js";

/**
 * Every YAML file written by sops in test/fixtures/sops-age decrypts, with its MAC verified, to the
 * plaintext MANIFEST.md gives. The data keys come from the manifest, so this tests the format alone;
 * test/interop/ repeats it through the age layer with the published identities.
 */

async function open(file: string, opts: { ignoreMac?: boolean } = {}) {
  const stored = yamlStore.parseEncrypted(fixture(file));
  // PGP-wrapped files: the data key is known, so skip the (unsupported) PGP unwrap.
  if (file.startsWith("getsops-sops-pgp/")) {
    return openWithDataKey(stored.branches, parseMetadata(stored.metadata!), Buffer.from(dataKeys[file]!, "hex"), opts);
  }
  return openDocument(stored, knownDataKey(dataKeys[file]!), opts);
}

async function plain(file: string) {
  const doc = await open(file);
  return doc.branches.map((b) => toPlain(b));
}

const rawPlain = (file: string) => yamlStore.parsePlain(fixture(file)).map((b) => toPlain(b));

describe("sops YAML fixtures decrypt to their plaintext, MAC verified", () => {
  it("humphd secret.enc.yaml: str, int, float, bool (sops 3.8.1, prettier-reformatted)", async () => {
    expect(await plain("humphd-sops-age/secret.enc.yaml")).toEqual([
      { secret: "this is a secret", string: "string", int: 7, float: 3.14, boolean: true, complex: { value: "this is a secret", array: ["one", "two", "three"] } },
    ]);
    expect(await plain("humphd-sops-age/history/secret.v1.enc.yaml")).toEqual([{ secret: "this is a secret" }]);
  });

  it("sops-nix: list items share the parent's AAD", async () => {
    expect(await plain("sops-nix/secrets.yaml")).toEqual([{ test_key: "test_value", a_list: ["e1", "e3"], nested: { test: { file: "another value" } } }]);
  });

  it("helm-secrets: type:int and a 910-byte PEM-like string", async () => {
    const [p] = (await plain("helm-secrets/secrets.age.yaml")) as Array<{ global_secret: string; service: { port: number }; key: string }>;
    expect(p!.global_secret).toBe("global_age");
    expect(p!.service.port).toBe(92);
    expect(Buffer.byteLength(p!.key)).toBe(910);
    expect(p!.key.startsWith("-----BEGIN PGP MESSAGE-----\n\n")).toBe(true);
  });

  it("flux: encrypted_regex, PQ file, indent 2", async () => {
    for (const f of ["algorithms-age.yaml", "algorithms-age-pq.yaml"]) {
      const [p] = (await plain(`fluxcd-kustomize-controller/${f}`)) as Array<{ stringData: { key: string }; kind: string }>;
      expect(p!.stringData.key).toBe("value");
      expect(p!.kind).toBe("Secret");
    }
    expect(((await plain("fluxcd-kustomize-controller/global-secret.yaml"))[0] as { stringData: { key: string } }).stringData.key).toBe("global-value");
    expect(((await plain("fluxcd-kustomize-controller/patches-merge1.yaml"))[0] as { stringData: { key: string } }).stringData.key).toBe("merge1");
    expect(((await plain("fluxcd-kustomize-controller/patches-merge2.yaml"))[0] as { stringData: { merge2: string } }).stringData.merge2).toBe("merge2");
  });

  it("isindir: encrypted_suffix, mac_only_encrypted (3.13.1), equal to the raw sources", async () => {
    for (const n of ["02", "03", "04"]) {
      const enc = { "02": "02-test-secrets.yaml", "03": "03-test-secrets-enforce-ownership.yaml", "04": "04-test-secrets-mac-only.yaml" }[n]!;
      const raw = { "02": "02-raw-test-secrets.yaml", "03": "03-raw-test-secrets-enforce-ownership.yaml", "04": "04-raw-test-secrets-mac-only.yaml" }[n]!;
      expect(await plain(`isindir-sops-secrets-operator/${enc}`)).toEqual(rawPlain(`isindir-sops-secrets-operator/${raw}`));
    }
    // 00's source says Pa$$word; the author's shell expanded $$ before encrypting (MANIFEST.md).
    const expected = JSON.parse(JSON.stringify(rawPlain("isindir-sops-secrets-operator/00-raw-test-secrets.yaml")).replace("Pa$$word", "Pa58163word"));
    expect(await plain("isindir-sops-secrets-operator/00-test-secrets.yaml")).toEqual(expected);
  });

  it("rops reference files (no version field): equal to their *_plaintext.yaml", async () => {
    for (const n of ["example", "empty_value", "encrypted_regex", "encrypted_suffix", "unencrypted_regex", "unencrypted_suffix", "mac_only_encrypted"]) {
      expect(await plain(`gibbz00-rops/age_${n}.yaml`), n).toEqual(rawPlain(`gibbz00-rops/age_${n}_plaintext.yaml`));
    }
  });

  it("sops repo PGP files via their data keys: comments, floats, nested lists, multi-line values", async () => {
    const [ex] = (await plain("getsops-sops-pgp/example.yaml")) as Array<Record<string, unknown>>;
    expect(ex!.myapp1).toBe("t00m4nys3cr3tzupdated");
    expect(await plain("getsops-sops-pgp/comments.enc.yaml")).toEqual(rawPlain("getsops-sops-pgp/comments.yaml"));
    expect(await plain("getsops-sops-pgp/format.enc.yaml")).toEqual([{ foo: "bar" }]);
    expect(await plain("getsops-sops-pgp/multiple_keys.yaml")).toEqual([{ message: "hello" }]);
    expect((await plain("getsops-sops-pgp/comments_unencrypted_comments.yaml")).length).toBe(1);
  });

  it("encrypted comments decrypt to their text, with the AAD of their mapping", async () => {
    const doc = await open("getsops-sops-pgp/comments.enc.yaml");
    const comments = doc.branches[0]!.items.filter((i) => !("key" in i)).map((c) => (c as { text: string }).text);
    expect(comments).toEqual([" first comment in file", " this-is-a-comment"]);
  });
});

describe("tampering is caught", () => {
  it("isindir 01 (one ciphertext byte changed) fails GCM: exit 25, path named, no value", async () => {
    const err = await open("isindir-sops-secrets-operator/01-test-secrets.yaml").catch((e) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.exitCode).toBe(25);
    expect(err.message).toContain(`["spec"]["secretTemplates"]["stringData"]["username"]`);
  });

  it("no_mac.yaml fails with exit 51 unless --ignore-mac", async () => {
    const err = await open("getsops-sops-pgp/no_mac.yaml").catch((e) => e);
    expect(err.exitCode).toBe(51);
    const doc = await open("getsops-sops-pgp/no_mac.yaml", { ignoreMac: true });
    expect(toPlain(doc.branches[0]!)).toEqual({ myapp1: "t00m4nys3cr3tzupdated" });
  });

  it("an edited unencrypted value, a swapped list order or an edited lastmodified break the MAC (exit 51)", async () => {
    const text = fixture("gibbz00-rops/age_unencrypted_suffix.yaml").toString();
    const variants = [
      text.replace("a: aaa", "a: aab"),
      text.replace("- 123\n    - 456", "- 456\n    - 123"),
      text.replace(/lastmodified: (\S+)/, "lastmodified: 2000-01-01T00:00:00Z"),
    ];
    for (const v of variants) {
      expect(v).not.toBe(text);
      const stored = yamlStore.parseEncrypted(Buffer.from(v));
      const err = await openDocument(stored, knownDataKey(dataKeys["gibbz00-rops/age_unencrypted_suffix.yaml"]!)).catch((e) => e);
      expect(err).toBeInstanceOf(SecretsError);
      expect(err.exitCode).toBe(51);
    }
  });
});
