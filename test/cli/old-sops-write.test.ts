import { copyFileSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SOPS_VERSION, writtenVersion } from "../../src/sops/document.js";
import { Sandbox } from "../helpers/cli.js";
import { fixturePath } from "../helpers/fixtures.js";

/**
 * Issue 17: the first write of a file an older sops wrote. We lay the metadata block out as sops
 * 3.13 does and write its version, as sops itself does on a write when it is newer than the file
 * (so the block's version names its layout, and the next write by either tool diffs the same).
 * Checked on real files written by sops 3.7.1 to 3.10.2, in every format we have one of.
 */

const OLD = [
  ["helm-secrets/secrets.age.yaml", "helm-secrets/key.txt", "3.7.1"],
  ["sops-nix/secrets.yaml", "sops-nix/age-keys.txt", "3.7.1"],
  ["isindir-sops-secrets-operator/00-test-secrets.yaml", "isindir-sops-secrets-operator/key-file.txt", "3.7.3"],
  ["humphd-sops-age/secret.enc.yaml", "humphd-sops-age/key.txt", "3.8.1"],
  ["humphd-sops-age/secret.enc.json", "humphd-sops-age/key.txt", "3.9.2"],
  ["humphd-sops-age/secret.enc.env", "humphd-sops-age/key.txt", "3.8.1"],
  ["humphd-sops-age/secret.enc.ini", "humphd-sops-age/key.txt", "3.8.1"],
  ["fluxcd-kustomize-controller/algorithms-age.yaml", "fluxcd-kustomize-controller/keys/age.txt", "3.9.0"],
  ["fluxcd-kustomize-controller/global-secret.yaml", "fluxcd-kustomize-controller/keys/age-global.txt", "3.10.2"],
] as const;

/** A key path the file's own rule encrypts (some files encrypt only data/stringData; INI's top level is sections). */
const target = (text: string, name: string): string[] =>
  /encrypted_regex.*data\|stringData/.test(text) ? ["stringData", "added_by_us"] : name.endsWith(".ini") ? ["added", "added_by_us"] : ["added_by_us"];
/** The indent the file was written with (the sops of the time or its .sops.yaml chose it; we keep it with --indent). */
const indentOf = (text: string): string[] => {
  const m = /\n( +)\S/.exec(text);
  return m && !text.includes("\n\t") ? ["--indent", String(m[1]!.length)] : [];
};
const versionOf = (text: string) => /(?:^|\n)\s*(?:"version":\s*"|version:\s*|sops_version=|version\s*=\s*)([0-9][0-9.]*)/.exec(text.slice(text.search(/sops/)))?.[1];

let sb: Sandbox | undefined;
afterEach(() => sb?.cleanup());

describe("the first write of a file an older sops wrote", () => {
  it.each(OLD)("%s, key %s, sops %s: writes the current version, keeps every value's ciphertext, and the next write changes three lines", async (file, key, version) => {
    const box = (sb = new Sandbox());
    const name = basename(file);
    copyFileSync(fixturePath(file), box.path(name));
    const env = { SOPS_AGE_KEY_FILE: fixturePath(key) };
    const original = readFileSync(box.path(name), "utf8");
    expect(versionOf(original)).toBe(version);
    box.git("add", name);
    box.git("commit", "-qm", "as sops wrote it");
    const before = JSON.parse(await box.ok(["decrypt", "--output-type", "json", name], { env })) as Record<string, unknown>;

    const keyPath = target(original, name);
    const path = keyPath.map((k) => `["${k}"]`).join("");
    await box.ok(["set", ...indentOf(original), name, path, '"first"'], { env });
    const first = readFileSync(box.path(name), "utf8");
    expect(versionOf(first)).toBe(SOPS_VERSION);
    // Data lines other than the new one are untouched: same ciphertext, byte for byte.
    const dataLines = (t: string) => t.split("\n").filter((l) => l.includes("ENC[") && !/mac/.test(l));
    for (const l of dataLines(original)) expect(first.split("\n")).toContain(l);
    const after = JSON.parse(await box.ok(["decrypt", "--output-type", "json", name], { env })) as Record<string, unknown>;
    const parent = keyPath.slice(0, -1).reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, after);
    expect(parent.added_by_us).toBe("first");
    delete parent.added_by_us;
    if (keyPath.length > 1 && Object.keys(parent).length === 0 && !(keyPath[0]! in before)) delete after[keyPath[0]!];
    expect(after).toEqual(before);

    box.git("commit", "-qam", "first write");
    // lastmodified has one-second resolution: start the second write in a later second than the
    // first one ended, or on a fast machine both carry the same time and that line does not change.
    await new Promise((r) => setTimeout(r, 1001 - (Date.now() % 1000)));
    await box.ok(["set", ...indentOf(original), name, path, '"second"'], { env });
    const added = box.git("diff", "-U0").split("\n").filter((l) => /^\+[^+]/.test(l));
    const removed = box.git("diff", "-U0").split("\n").filter((l) => /^-[^-]/.test(l));
    const kind = (l: string) => (/added_by_us/.test(l) ? "value" : /lastmodified/.test(l) ? "lastmodified" : /mac/.test(l) ? "mac" : l);
    expect(added.map(kind).sort()).toEqual(["lastmodified", "mac", "value"]);
    expect(removed.map(kind).sort()).toEqual(["lastmodified", "mac", "value"]);
  });
});

describe("writtenVersion", () => {
  it("ours when newer than the file's; a newer sops's kept; a non-version replaced", () => {
    expect(writtenVersion("3.7.1")).toBe(SOPS_VERSION);
    expect(writtenVersion("3.13.1")).toBe(SOPS_VERSION);
    expect(writtenVersion(SOPS_VERSION)).toBe(SOPS_VERSION);
    expect(writtenVersion("3.14.0")).toBe("3.14.0");
    expect(writtenVersion("4.0.0-rc1")).toBe("4.0.0-rc1");
    expect(writtenVersion("")).toBe(SOPS_VERSION);
    expect(writtenVersion("dev")).toBe(SOPS_VERSION);
  });
});
