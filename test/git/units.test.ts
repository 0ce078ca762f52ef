import { describe, expect, it } from "vitest";
import { regexToGlobs, renderBlock, replaceBlock } from "../../src/git/attributes.js";
import { brokenParts } from "../../src/git/check.js";
import { closedSide, diffVersions } from "../../src/git/changes.js";
import { parseLog } from "../../src/git/history.js";
import { scanScope, scanText } from "../../src/git/scan.js";
import { fingerprint, fingerprintKey, textconv } from "../../src/git/textconv.js";
import { parseVersion } from "../../src/git/versions.js";
import { emitEncrypted, encryptNew, openDocument, reencrypt, rotate } from "../../src/sops/document.js";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { memoryKeys } from "../helpers/memkeys.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("history parsing", () => {
  it("reads commits, parents and raw changes of plain and merge commits from git log -z -c --raw", () => {
    const z = "0".repeat(40);
    const [a, b, c, m] = ["a", "b", "c", "d"].map((x) => x.repeat(40));
    const out =
      `\x1e${m}\x1f${a} ${b}\x1fAlice\x1falice@x\x1f2024-01-02T00:00:00+00:00\x1fMerge x\0\0` +
      `::100644 100644 100644 ${a} ${b} ${c} MM\0secrets/a b.yaml\0` +
      `\x1e${a}\x1f\x1fBob\x1fbob@x\x1f2024-01-01T00:00:00+00:00\x1finit\0\n` +
      `:000000 100644 ${z} ${a} A\0secrets/a b.yaml\0`;
    const changes = parseLog(out);
    expect(changes).toEqual([
      { commit: { id: m, parents: [a, b], author: "Alice", email: "alice@x", date: "2024-01-02T00:00:00+00:00", subject: "Merge x" }, path: "secrets/a b.yaml", before: [a, b], after: c },
      { commit: { id: a, parents: [], author: "Bob", email: "bob@x", date: "2024-01-01T00:00:00+00:00", subject: "init" }, path: "secrets/a b.yaml", before: [null], after: a },
    ]);
  });
});

describe(".gitattributes patterns from path_regex", () => {
  it.each([
    ["(^|/)secrets/", "", ["**/secrets/**"]],
    ["^secrets/", "", ["/secrets/**"]],
    ["\\.enc\\.yaml$", "", ["**/*.enc.yaml"]],
    ["^secrets/.*\\.yaml$", "", ["/secrets/**/*.yaml"]],
    ["^prod/[^/]+\\.(yaml|json)$", "", ["/prod/*.yaml", "/prod/*.json"]],
    ["^secrets/", "apps/api/", ["/apps/api/secrets/**"]],
    ["secrets/.*", "", ["**/*secrets/**"]],
  ])("%s (config in '%s')", (re, dir, globs) => {
    expect(regexToGlobs(re, dir)).toEqual(globs);
  });

  it("gives up on regexes it cannot turn into globs", () => {
    for (const re of ["^secrets/\\d+\\.yaml$", "a{2}", "[abc]x", "^(a|b*)/"]) expect(regexToGlobs(re)).toBeNull();
  });

  it("rewrites only its own block", () => {
    const first = replaceBlock("*.png binary\n", renderBlock(["/a/**"]));
    expect(first).toBe("*.png binary\n" + renderBlock(["/a/**"]));
    const second = replaceBlock(first + "*.jpg binary\n", renderBlock(["/b/**"]));
    expect(second).toBe("*.png binary\n" + renderBlock(["/b/**"]) + "*.jpg binary\n");
  });
});

describe("obvious secrets", () => {
  it("finds private keys, tokens and URL passwords by line, and ignores placeholders", () => {
    const t = [
      "ok=1",
      "-----BEGIN RSA PRIVATE KEY-----",
      "OPENAI=sk-proj-abcdefghijklmnopqrstuvwxyz012345",
      "TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345",
      "AWS=AKIAIOSFODNN7EXAMPLE",
      "DB=postgres://app:s3cret@db/app",
      "DB2=postgres://app:${DB_PASSWORD}@db/app",
      "DB3=https://user:<password>@host/x",
      "task-runner=sk-short",
      "ALLOWED=ghp_0123456789abcdefghijABCDEFGHIJ012345 # secrets-check: allow",
    ].join("\n");
    expect(scanText(t)).toEqual([
      { line: 2, kind: "a private key block" },
      { line: 3, kind: "an API key (sk-…)" },
      { line: 4, kind: "a GitHub token" },
      { line: 5, kind: "an AWS access key id" },
      { line: 6, kind: "a URL with a password" },
    ]);
    expect(scanText(t, { keysOnly: true })).toEqual([{ line: 2, kind: "a private key block" }]);
  });

  it("scans .env and config files fully, key files for keys, nothing else", () => {
    expect(scanScope(".env")).toBe("all");
    expect(scanScope("app/.env.production")).toBe("all");
    expect(scanScope("deploy/values.yaml")).toBe("all");
    expect(scanScope("certs/server.pem")).toBe("keys");
    expect(scanScope("src/index.ts")).toBeNull();
    expect(scanScope("README.md")).toBeNull();
  });
});

describe("textconv fingerprints", () => {
  const keys = memoryKeys();
  const plain = "a: same\nb: same\nc: 5\nd_unencrypted: visible\n";

  it("hides values behind a keyed fingerprint: stable for the same data key, path and value; different otherwise", async () => {
    const enc = await encryptNew(yamlStore.parsePlain(Buffer.from(plain)), { groups: [["r1"]] }, keys);
    const file = emitEncrypted(yamlStore, enc);
    const out = text(await textconv(file, yamlStore, keys));
    const fps = [...out.matchAll(/^(\w+): (fp:[0-9a-f]{12})$/gm)].map((m) => [m[1], m[2]]);
    expect(fps.map((x) => x[0])).toEqual(["a", "b", "c"]);
    expect(fps[0]![1]).not.toBe(fps[1]![1]); // same value, different keys: not linkable
    expect(out).toContain("d_unencrypted: visible"); // stored in clear anyway
    expect(out).not.toMatch(/same/);
    expect(out).toMatch(/^# recipient: r1$/m);
    // Re-encrypting without change keeps the fingerprints; another data key changes them.
    const open = await openDocument(yamlStore.parseEncrypted(file), keys);
    const again = text(await textconv(emitEncrypted(yamlStore, reencrypt(open, open.branches)), yamlStore, keys));
    expect(again.split("# ---")[0]).toBe(out.split("# ---")[0]);
    const rotated = text(await textconv(emitEncrypted(yamlStore, await rotate(open, keys)), yamlStore, keys));
    expect(rotated.split("# ---")[0]).not.toBe(out.split("# ---")[0]);
    expect(fingerprint(fingerprintKey(open.dataKey), '["a"]', "same")).toBe(fps[0]![1]);
  });

  it("shows values when asked; notes a MAC mismatch; passes plaintext through; shows the stored form without a key", async () => {
    const enc = await encryptNew(dotenvStore.parsePlain(Buffer.from("A=1\nB=two\n")), { groups: [["r1"]] }, keys);
    const file = emitEncrypted(dotenvStore, enc);
    expect(text(await textconv(file, dotenvStore, keys, { values: true }))).toMatch(/^A=1\nB=two\n\n# --- sops metadata/);
    const tampered = Buffer.from(text(file).replace(/^sops_lastmodified=.*$/m, "sops_lastmodified=2020-01-01T00:00:00Z"));
    expect(text(await textconv(tampered, dotenvStore, keys))).toContain("# MAC MISMATCH");
    expect(text(await textconv(Buffer.from("A=1\n"), dotenvStore, keys))).toBe("A=1\n");
    const denied = text(await textconv(file, dotenvStore, memoryKeys({ deny: ["r1"] })));
    expect(denied).toContain("cannot decrypt");
    expect(denied).toContain("A=ENC[AES256_GCM");
  });
});

describe("version comparison without keys", () => {
  const keys = memoryKeys();
  it("tells a value change from a data key rotation by ciphertexts and key entries", async () => {
    const enc = await encryptNew(yamlStore.parsePlain(Buffer.from("a: 1\nb: 2\n")), { groups: [["r1"]] }, keys);
    const v1 = emitEncrypted(yamlStore, enc);
    const open = await openDocument(yamlStore.parseEncrypted(v1), keys);
    open.branches[0]!.set("a", "changed");
    const v2 = emitEncrypted(yamlStore, reencrypt(open, open.branches));
    const v3 = emitEncrypted(yamlStore, await rotate(open, keys));
    const pv = (b: Uint8Array) => closedSide(parseVersion(yamlStore, b));
    const d12 = diffVersions(pv(v1), pv(v2));
    expect([d12.rekeyed, d12.byPlaintext, d12.changes]).toEqual([false, false, [{ path: '["a"]', kind: "changed" }]]);
    const d23 = diffVersions(pv(v2), pv(v3));
    expect(d23.rekeyed).toBe(true);
    expect(d23.changes.map((c) => c.kind)).toEqual(["re-encrypted", "re-encrypted"]);
  });
});

describe("broken secrets files (commit guard)", () => {
  const keys = memoryKeys();
  it("reports a missing MAC, malformed values and conflict markers, by path", async () => {
    const enc = await encryptNew(yamlStore.parsePlain(Buffer.from("a: 1\nb: x\n")), { groups: [["r1"]] }, keys);
    const good = text(emitEncrypted(yamlStore, enc)).replace(/mem:r1:\d+/, "-----BEGIN AGE ENCRYPTED FILE-----\\nx\\n-----END AGE ENCRYPTED FILE-----");
    const v = (s: string) => parseVersion(yamlStore, Buffer.from(s));
    expect(brokenParts(v(good))).toEqual([]);
    expect(brokenParts(v(good.replace(/^ {4}mac: .*$/m, "    mac: ''")))).toEqual(["sops metadata has no MAC"]);
    expect(brokenParts(v(good.replace(/^b: ENC\[AES256_GCM,data:[^,]*/m, "b: ENC[AES256_GCM,data:!!")))).toEqual(['malformed encrypted value at ["b"]']);
    expect(brokenParts(v(good.replace(/^b: ENC\[.*$/m, "b:\n    <<<<<<< ours: ''\n    '>>>>>>> theirs': ''")))).toEqual(['unresolved merge conflict at ["b"]: resolve it with secrets edit']);
  });
});
