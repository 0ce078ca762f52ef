import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emitEncrypted, encryptNew, openDocument, reencrypt, rotate } from "../../src/sops/document.js";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { iniStore } from "../../src/sops/stores/ini.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import { binaryStore } from "../../src/sops/stores/binary.js";
import type { Store } from "../../src/sops/stores/store.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { Branch, fromPlain } from "../../src/sops/tree.js";
import { sameValue, showValue } from "../../src/git/values.js";
import { mergeSecretFile } from "../../src/git/merge-secret.js";
import { findMarkers, mergeTrees } from "../../src/git/merge-tree.js";
import { leaves } from "../../src/git/leaves.js";
import { memoryKeys } from "../helpers/memkeys.js";

/** The merge driver's core, in process: three encrypted versions in, one encrypted result out. */

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const keys = memoryKeys();

async function encrypt(store: Store, plain: string, recipients = [["r1"]]): Promise<Uint8Array> {
  const enc = await encryptNew(store.parsePlain(Buffer.from(plain)), { groups: recipients }, keys);
  return emitEncrypted(store, enc);
}

/** Re-encrypts `file` after `edit` under the same data key (what `secrets set`/`edit` do). */
async function edit(store: Store, file: Uint8Array, editFn: (b: Branch) => void): Promise<Uint8Array> {
  const open = await openDocument(store.parseEncrypted(file), keys);
  editFn(open.branches[0]!);
  return emitEncrypted(store, reencrypt(open, open.branches));
}

async function decrypt(store: Store, file: Uint8Array): Promise<string> {
  const open = await openDocument(store.parseEncrypted(file), keys); // verifies the MAC
  return text(store.emitPlain(open.branches));
}

function ciphertexts(store: Store, file: Uint8Array): Map<string, unknown> {
  return new Map([...leaves(store.parseEncrypted(file).branches)].map(([p, l]) => [p, l.value]));
}

async function merge(store: Store, base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, policy?: { groups: string[][] }) {
  const r = await mergeSecretFile({ base, ours, theirs, store, keys, policy });
  if (r.kind !== "merged") throw new Error("expected a merge");
  return r;
}

const BASE = "db:\n    user: app\n    password: pw0\napi_token: tok0\nport: 5432\n";

describe("merge driver core", () => {
  it("merges changes to different keys; values from either side keep their ciphertext; the MAC verifies", async () => {
    const base = await encrypt(yamlStore, BASE);
    const ours = await edit(yamlStore, base, (b) => b.set("api_token", "tok-ours"));
    const theirs = await edit(yamlStore, base, (b) => (b.get("db") as Branch).set("password", "pw-theirs"));
    const r = await merge(yamlStore, base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(await decrypt(yamlStore, r.bytes)).toBe("db:\n    user: app\n    password: pw-theirs\napi_token: tok-ours\nport: 5432\n");
    const [c, o, t, b] = [ciphertexts(yamlStore, r.bytes), ciphertexts(yamlStore, ours), ciphertexts(yamlStore, theirs), ciphertexts(yamlStore, base)];
    expect(c.get('["api_token"]')).toBe(o.get('["api_token"]'));
    expect(c.get('["db"]["password"]')).toBe(t.get('["db"]["password"]'));
    expect(c.get('["db"]["user"]')).toBe(b.get('["db"]["user"]'));
    expect(c.get('["port"]')).toBe(b.get('["port"]'));
    // Same data key and key entries as both sides: the metadata changed only in lastmodified and mac.
    const meta = (f: Uint8Array) => yamlStore.parseEncrypted(f).metadata as Record<string, unknown>;
    expect(meta(r.bytes).age).toEqual(meta(ours).age);
  });

  it("marks a key both sides changed differently with every candidate, encrypted, and the file still opens", async () => {
    const base = await encrypt(yamlStore, BASE);
    const ours = await edit(yamlStore, base, (b) => {
      b.set("api_token", "tok-ours");
      b.set("port", "6000");
    });
    const theirs = await edit(yamlStore, base, (b) => {
      b.set("api_token", "tok-theirs");
      b.delete("port");
      b.set("new_key", "added-by-theirs");
    });
    const r = await merge(yamlStore, base, ours, theirs);
    expect(r.conflicts.map((c) => c.path)).toEqual(['["api_token"]', '["port"]']);
    const enc = text(r.bytes);
    for (const v of ["tok-ours", "tok-theirs", "tok0", "added-by-theirs", "6000"]) expect(enc).not.toContain(v);
    expect(await decrypt(yamlStore, r.bytes)).toBe(
      "db:\n    user: app\n    password: pw0\n" +
        "api_token:\n    <<<<<<< ours: tok-ours\n    '||||||| base': tok0\n    '>>>>>>> theirs': tok-theirs\n" +
        // theirs put new_key after api_token (it removed port)
        "new_key: added-by-theirs\n" +
        "port:\n    <<<<<<< ours: \"6000\"\n    '||||||| base': 5432\n    '>>>>>>> theirs (deleted)': null\n",
    );
    // The markers are key names, so they can be found without a key (the commit guard does).
    expect(findMarkers(yamlStore.parseEncrypted(r.bytes).branches)).toEqual(['["api_token"]', '["port"]']);
  });

  it("merges a branch that rotated the data key with one that edited a value", async () => {
    const base = await encrypt(yamlStore, BASE);
    const ours = await edit(yamlStore, base, (b) => b.set("api_token", "tok-ours"));
    const opened = await openDocument(yamlStore.parseEncrypted(base), keys);
    const theirs = emitEncrypted(yamlStore, await rotate(opened, keys));
    for (const [a, b] of [
      [ours, theirs],
      [theirs, ours],
    ] as const) {
      const r = await merge(yamlStore, base, a, b);
      expect(r.conflicts).toEqual([]);
      expect(await decrypt(yamlStore, r.bytes)).toBe(BASE.replace("tok0", "tok-ours"));
      // The rotated key wins: its key entries are kept, so the old data key no longer opens the result.
      const meta = (f: Uint8Array) => (yamlStore.parseEncrypted(f).metadata as { age: unknown }).age;
      expect(meta(r.bytes)).toEqual(meta(theirs));
      const c = ciphertexts(yamlStore, r.bytes);
      expect(c.get('["db"]["user"]')).toBe(ciphertexts(yamlStore, theirs).get('["db"]["user"]'));
    }
  });

  it("merges recipient changes three-way and re-wraps the data key for the result", async () => {
    const base = await encrypt(yamlStore, BASE, [["r1", "r2"]]);
    const open = await openDocument(yamlStore.parseEncrypted(base), keys);
    const { rewrap } = await import("../../src/sops/document.js");
    // theirs: + r3 (updatekeys); ours: - r2 and an edit
    const theirsMeta = await rewrap(yamlStore.parseEncrypted(base), open.dataKey, { groups: [["r1", "r2", "r3"]] }, keys);
    const theirs = emitEncrypted(yamlStore, { branches: yamlStore.parseEncrypted(base).branches, metadata: theirsMeta });
    const ours0 = await edit(yamlStore, base, (b) => b.set("port", "1"));
    const oursMeta = await rewrap(yamlStore.parseEncrypted(ours0), open.dataKey, { groups: [["r1"]] }, keys);
    const ours = emitEncrypted(yamlStore, { branches: yamlStore.parseEncrypted(ours0).branches, metadata: oursMeta });
    const r = await merge(yamlStore, base, ours, theirs, { groups: [["r1", "r3"]] });
    const recips = ((yamlStore.parseEncrypted(r.bytes).metadata as { age: Array<{ recipient: string }> }).age).map((a) => a.recipient);
    expect(recips.sort()).toEqual(["r1", "r3"]);
    expect(r.warnings).toEqual([]);
    expect(await decrypt(yamlStore, r.bytes)).toContain('port: "1"');
    const drift = await merge(yamlStore, base, ours, theirs, { groups: [["r1"]] });
    expect(drift.warnings.join()).toMatch(/differ from the \.sops\.yaml rule/);
  });

  it("JSON: nested conflict markers", async () => {
    const base = await encrypt(jsonStore, '{"a": 1, "b": {"c": "x"}}');
    const ours = await edit(jsonStore, base, (b) => (b.get("b") as Branch).set("c", "o"));
    const theirs = await edit(jsonStore, base, (b) => (b.get("b") as Branch).set("c", "t"));
    const r = await merge(jsonStore, base, ours, theirs);
    expect(r.conflicts.map((c) => c.path)).toEqual(['["b"]["c"]']);
    expect(JSON.parse(await decrypt(jsonStore, r.bytes))).toEqual({ a: 1, b: { c: { "<<<<<<< ours": "o", "||||||| base": "x", ">>>>>>> theirs": "t" } } });
  });

  it("dotenv and INI: conflicts become marker keys beside the key, still encrypted", async () => {
    const base = await encrypt(dotenvStore, "A=1\nTOKEN=t0\nZ=z\n");
    const ours = await edit(dotenvStore, base, (b) => b.set("TOKEN", "t-ours"));
    const theirs = await edit(dotenvStore, base, (b) => {
      b.set("TOKEN", "t-theirs");
      b.set("A", "2");
    });
    const r = await merge(dotenvStore, base, ours, theirs);
    expect(r.conflicts.map((c) => c.path)).toEqual(['["TOKEN"]']);
    expect(text(r.bytes)).not.toContain("t-ours");
    expect(await decrypt(dotenvStore, r.bytes)).toBe("A=2\n<<<<<<< ours TOKEN=t-ours\n||||||| base TOKEN=t0\n>>>>>>> theirs TOKEN=t-theirs\nZ=z\n");
    // The conflicted file parses back as dotenv (what `secrets edit` does with it).
    expect(dotenvStore.parsePlain(Buffer.from(await decrypt(dotenvStore, r.bytes)))[0]!.keys()).toHaveLength(5);

    const ibase = await encrypt(iniStore, "[s]\nk = v0\nother = 1\n");
    const iours = await edit(iniStore, ibase, (b) => (b.get("s") as Branch).set("k", "vo"));
    const itheirs = await edit(iniStore, ibase, (b) => (b.get("s") as Branch).set("k", "vt"));
    const ir = await merge(iniStore, ibase, iours, itheirs);
    expect(ir.conflicts.map((c) => c.path)).toEqual(['["s"]["k"]']);
    const plain = await decrypt(iniStore, ir.bytes);
    expect(plain).toContain("<<<<<<< ours k");
    expect(plain).toContain(">>>>>>> theirs k");
    expect(iniStore.parsePlain(Buffer.from(plain))[0]!.get("s")).toBeInstanceOf(Branch);
  });

  it("binary: the text is merged line by line; overlapping edits leave git-style markers inside the encrypted value", async () => {
    const base = await encrypt(binaryStore, "line1\nline2\nline3\nline4\n");
    const setData = (s: string) => (b: Branch) => b.set("data", s);
    const ours = await edit(binaryStore, base, setData("line1-ours\nline2\nline3\nline4\n"));
    const theirs = await edit(binaryStore, base, setData("line1\nline2\nline3\nline4-theirs\n"));
    const r = await merge(binaryStore, base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(await decrypt(binaryStore, r.bytes)).toBe("line1-ours\nline2\nline3\nline4-theirs\n");
    const theirs2 = await edit(binaryStore, base, setData("line1-theirs\nline2\nline3\nline4\n"));
    const c = await merge(binaryStore, base, ours, theirs2);
    expect(c.conflicts.map((x) => x.path)).toEqual(['["data"]']);
    expect(await decrypt(binaryStore, c.bytes)).toMatch(/^<<<<<<< ours\nline1-ours\n\|\|\|\|\|\|\| base\nline1\n=======\nline1-theirs\n>>>>>>> theirs\n/);
  });

  it("refuses to mark a conflict the encryption rule would leave in clear", async () => {
    const { encryptNew: enc } = await import("../../src/sops/document.js");
    const rule = { kind: "encrypted_regex" as const, value: "^TOKEN$" };
    const base = emitEncrypted(dotenvStore, await enc(dotenvStore.parsePlain(Buffer.from("TOKEN=t0\n")), { groups: [["r1"]] }, keys, { encryptionRule: rule }));
    const ours = await edit(dotenvStore, base, (b) => b.set("TOKEN", "t-ours"));
    const theirs = await edit(dotenvStore, base, (b) => b.set("TOKEN", "t-theirs"));
    await expect(mergeSecretFile({ base, ours, theirs, store: dotenvStore, keys })).rejects.toThrow(/would leave a candidate unencrypted/);
  });

  it("an add/add (no base) merges keys both added alike and conflicts on the rest", async () => {
    const ours = await encrypt(yamlStore, "a: 1\nb: x\n");
    const theirs = await encrypt(yamlStore, "a: 1\nb: w\nc: z\n");
    const r = await merge(yamlStore, new Uint8Array(), ours, theirs);
    expect(r.conflicts.map((c) => c.path)).toEqual(['["b"]']);
    expect(await decrypt(yamlStore, r.bytes)).toBe("a: 1\nb:\n    <<<<<<< ours: x\n    '>>>>>>> theirs': w\nc: z\n");
  });

  it("a result equal to one side is that side's file, byte for byte", async () => {
    const base = await encrypt(yamlStore, BASE);
    const ours = await edit(yamlStore, base, (b) => b.set("api_token", "tok-new"));
    // theirs rewrote the file without changing a value (new lastmodified and MAC only)
    const theirs = await edit(yamlStore, base, () => undefined);
    expect(text(theirs)).not.toBe(text(base));
    const r = await merge(yamlStore, base, ours, theirs);
    expect(text(r.bytes)).toBe(text(ours));
  });

  it("plaintext files are left to git's text merge", async () => {
    const p = Buffer.from("a: 1\n");
    expect((await mergeSecretFile({ base: p, ours: p, theirs: p, store: yamlStore, keys })).kind).toBe("plaintext");
  });
});

describe("tree merge", () => {
  const y = (s: string) => yamlStore.parsePlain(Buffer.from(s));
  const out = (b: Branch[]) => text(yamlStore.emitPlain(b));

  it("places keys only theirs added after their predecessor, with the comment above them", () => {
    const r = mergeTrees(y("a: 1\nc: 3\n"), y("a: 1\nc: 3\nd: 4\n"), y("a: 1\n# about b\nb: 2\nc: 3\n"), "nested");
    expect(out(r.branches)).toBe("a: 1\n# about b\nb: 2\nc: 3\nd: 4\n");
  });

  it("a mapping removed on one side and edited inside on the other keeps only the edited keys, as conflicts", () => {
    const r = mergeTrees(y("m:\n    k1: a\n    k2: b\n"), y("x: 1\n"), y("m:\n    k1: a\n    k2: changed\nx: 1\n"), "nested");
    expect(r.conflicts.map((c) => c.path)).toEqual(['["m"]["k2"]']);
    expect(out(r.branches)).toBe("m:\n    k2:\n        <<<<<<< ours (deleted): null\n        '||||||| base': b\n        '>>>>>>> theirs': changed\nx: 1\n");
    const clean = mergeTrees(y("m:\n    k1: a\n"), y("x: 1\n"), y("m:\n    k1: a\nx: 1\n"), "nested");
    expect(out(clean.branches)).toBe("x: 1\n");
  });

  it("lists merge as whole values", () => {
    const r = mergeTrees(y("l:\n    - 1\n    - 2\n"), y("l:\n    - 1\n    - 3\n"), y("l:\n    - 1\n    - 2\n    - 4\n"), "nested");
    expect(r.conflicts.map((c) => c.path)).toEqual(['["l"]']);
    const ok = mergeTrees(y("l:\n    - 1\n"), y("l:\n    - 1\n    - 3\n"), y("l:\n    - 1\n"), "nested");
    expect(out(ok.branches)).toBe("l:\n    - 1\n    - 3\n");
  });

  it("properties: one-sided changes merge without conflict to that side; a merge is symmetric up to the conflict sides", () => {
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.boolean());
    const tree = fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.oneof(leaf, fc.dictionary(fc.constantFrom("x", "y", "z"), leaf, { maxKeys: 3 })), { maxKeys: 4 });
    const doc = (o: object) => [fromPlain(o) as Branch];
    fc.assert(
      fc.property(tree, tree, tree, (o, a, b) => {
        const [O, A, B] = [doc(o), doc(a), doc(b)];
        for (const [x, y, want] of [
          [O, A, A],
          [A, O, A],
          [A, A, A],
        ] as const) {
          const r = mergeTrees(O, x, y, "nested");
          expect(r.conflicts).toEqual([]);
          expect(sameValue(r.branches[0], want[0])).toBe(true);
        }
        // Swapping sides gives the same conflicting paths, and the same keys everywhere else.
        const ab = mergeTrees(O, A, B, "nested");
        const ba = mergeTrees(O, B, A, "nested");
        expect(ab.conflicts.map((c) => c.path).sort()).toEqual(ba.conflicts.map((c) => c.path).sort());
        const clean = (r: typeof ab) => [...leaves(r.branches)].filter(([p]) => !r.conflicts.some((c) => p.startsWith(c.path))).map(([p, l]) => [p, showValue(l.value)]).sort();
        expect(clean(ab)).toEqual(clean(ba));
      }),
      { numRuns: 300 },
    );
  });
});
