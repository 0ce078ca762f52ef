import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { ValueCipher } from "../../src/sops/cipher.js";
import { emitEncrypted, encryptNew, openDocument, reencrypt, rotate } from "../../src/sops/document.js";
import { formatFloatF, formatJsonFloat, formatYamlFloat, parseYamlTimestamp } from "../../src/sops/gofmt.js";
import { getPath, parseJsonValue, parseTreePath, setPath, unsetPath } from "../../src/sops/path.js";
import { analyzedStyle, resolvePlain, stringStyle } from "../../src/sops/stores/goyaml.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { metadataToPlain } from "../../src/sops/metadata.js";
import { Branch, SopsFloat, SopsInt, SopsTime, toPlain } from "../../src/sops/tree.js";
import { memoryKeys } from "../helpers/memkeys.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const yaml = (s: string) => yamlStore.parsePlain(Buffer.from(s));

describe("Go number and time formats", () => {
  it("FormatFloat 'f', -1 (the plaintext of an encrypted float)", () => {
    expect(formatFloatF(3.14)).toBe("3.14");
    expect(formatFloatF(1)).toBe("1");
    expect(formatFloatF(1e20)).toBe("100000000000000000000");
    expect(formatFloatF(1e-6)).toBe("0.000001");
    expect(formatFloatF(-2.5e-8)).toBe("-0.000000025");
    expect(formatFloatF(NaN)).toBe("NaN");
    expect(formatFloatF(-Infinity)).toBe("-Inf");
  });
  it("go-yaml's 'g' float output and encoding/json's", () => {
    expect(formatYamlFloat(1e6)).toBe("1e+06");
    expect(formatYamlFloat(123456)).toBe("123456");
    expect(formatYamlFloat(0.0001)).toBe("0.0001");
    expect(formatYamlFloat(0.00001)).toBe("1e-05");
    expect(formatYamlFloat(1234.56789)).toBe("1234.56789");
    expect(formatYamlFloat(Infinity)).toBe(".inf");
    expect(formatJsonFloat(1e21)).toBe("1e+21");
    expect(formatJsonFloat(1.5e-7)).toBe("1.5e-7");
    expect(formatJsonFloat(25.4)).toBe("25.4");
  });
  it("go-yaml timestamps → Go MarshalText", () => {
    expect(parseYamlTimestamp("2024-01-01")).toBe("2024-01-01T00:00:00Z");
    expect(parseYamlTimestamp("2024-1-2T3:04:05.500Z")).toBe("2024-01-02T03:04:05.5Z");
    expect(parseYamlTimestamp("2006-01-02T15:04:05+07:00")).toBe("2006-01-02T15:04:05+07:00");
    expect(parseYamlTimestamp("2024-01-01 10:00:00")).toBe("2024-01-01T10:00:00Z");
    expect(parseYamlTimestamp("2024-02-30")).toBeNull();
    expect(parseYamlTimestamp("24-01-01")).toBeNull();
  });
});

describe("go-yaml v3 typing of plain scalars", () => {
  it("resolves like go-yaml, not like the npm yaml core schema", () => {
    expect(resolvePlain("0755")).toEqual(new SopsInt(493n));
    expect(resolvePlain("0x1F")).toEqual(new SopsInt(31n));
    expect(resolvePlain("1_000")).toEqual(new SopsInt(1000n));
    expect(resolvePlain("9223372036854775807")).toEqual(new SopsInt(9223372036854775807n));
    expect(resolvePlain("18446744073709551615")).toEqual(new SopsInt(18446744073709551615n));
    expect(resolvePlain("1.0")).toEqual(new SopsFloat(1));
    expect(resolvePlain("08")).toEqual(new SopsFloat(8));
    expect(resolvePlain(".5")).toEqual(new SopsFloat(0.5));
    expect(resolvePlain("yes")).toBe("yes");
    expect(resolvePlain("on")).toBe("on");
    expect(resolvePlain("True")).toBe(true);
    expect(resolvePlain("~")).toBeNull();
    expect(resolvePlain("2024-01-01")).toEqual(new SopsTime("2024-01-01T00:00:00Z"));
    expect(resolvePlain("1.2.3")).toBe("1.2.3");
  });
  it("quotes strings the way go-yaml does", () => {
    expect(stringStyle("plain text", false)).toBe("plain");
    expect(stringStyle("123", false)).toBe("double");
    expect(stringStyle("yes", false)).toBe("double");
    expect(stringStyle("2024-03-25T22:08:10Z", false)).toBe("double");
    expect(stringStyle("", false)).toBe("double");
    expect(stringStyle("*star", false)).toBe("single");
    expect(stringStyle("a: b", false)).toBe("single");
    expect(stringStyle("line1\nline2", false)).toBe("literal");
    expect(stringStyle("trailing space \nx", false)).toBe("double");
    expect(stringStyle("tab\there", false)).toBe("double");
  });
  it("the quoting shortcut agrees with go-yaml's full analysis", () => {
    const alphabet = fc.constantFrom(..."aZ09_./+=,:()[]@- #'\"\t\n!&*|>%`{}?~".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }).map((a) => a.join("")), fc.boolean(), (s, key) => {
        expect(stringStyle(s, key)).toBe(analyzedStyle(s, key));
      }),
      { numRuns: 3000 },
    );
    for (const s of ["ENC[AES256_GCM,data:abc=,iv:x/y+z=,tag:q==,type:str]", "true", "Null", "yes", "a: b", "a:", "word word"]) {
      expect(stringStyle(s, false), s).toBe(analyzedStyle(s, false));
    }
  });

  it("keeps integers beyond 2^53 exact through a YAML round trip", () => {
    const b = yaml("big: 123456789012345678\n")[0]!;
    expect(b.get("big")).toEqual(new SopsInt(123456789012345678n));
    expect(text(yamlStore.emitPlain([b]))).toBe("big: 123456789012345678\n");
  });
});

describe("YAML store safety", () => {
  it("rejects an alias bomb without expanding it", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    const t0 = Date.now();
    expect(() => yaml(lines.join("\n") + "\n")).toThrow(/alias/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  it("expands ordinary anchors like sops (values copied)", () => {
    const [b] = yaml("base: &b {user: app}\nprod: *b\n");
    expect(toPlain(b!)).toEqual({ base: { user: "app" }, prod: { user: "app" } });
  });
  it("rejects duplicate keys, non-string keys, top-level lists, with a line number and no value", () => {
    const cases: Array<[string, RegExp]> = [
      ["a: s3cret-1\na: s3cret-2\n", /line 2/],
      ["123: s3cret-1\n", /strings/],
      ["- s3cret-1\n", /sequences/],
      ["a: [s3cret-1\n", /line/],
    ];
    for (const [src, re] of cases) {
      const err = (() => {
        try {
          yaml(src);
        } catch (e) {
          return e as SecretsError;
        }
        throw new Error("no error for " + src);
      })();
      expect(err).toBeInstanceOf(SecretsError);
      expect(err.message).toMatch(re);
      expect(err.message).not.toContain("s3cret");
    }
  });
});

describe("paths", () => {
  it("parses sops index paths and dotted paths", () => {
    expect(parseTreePath(`["db"]["password"]`)).toEqual(["db", "password"]);
    expect(parseTreePath(`["a"][0]["b"]`)).toEqual(["a", 0, "b"]);
    expect(parseTreePath("db.password")).toEqual(["db", "password"]);
    expect(() => parseTreePath(`["db"`)).toThrow(SecretsError);
  });
  it("sets, creates and unsets", () => {
    const b = new Branch();
    expect(setPath(b, ["a", "b"], "x")).toBe(true);
    expect(setPath(b, ["a", "b"], "x")).toBe(false);
    setPath(b, ["l"], ["one"]);
    setPath(b, ["l", 5], "two"); // past the end appends, like sops
    expect(toPlain(b)).toEqual({ a: { b: "x" }, l: ["one", "two"] });
    expect(getPath(b, parseTreePath("l.1"))).toBe("two");
    expect(unsetPath(b, ["a", "b"])).toBe(true);
    expect(unsetPath(b, ["nope"])).toBe(false);
  });
  it("parses set values as JSON, integers exact, and never echoes a bad value", () => {
    expect(parseJsonValue('"text"')).toBe("text");
    expect(parseJsonValue("12345678901234567890")).toEqual(new SopsInt(12345678901234567890n));
    expect(parseJsonValue("1.5")).toEqual(new SopsFloat(1.5));
    const err = (() => {
      try {
        parseJsonValue("not-json-s3cret");
      } catch (e) {
        return e as SecretsError;
      }
    })();
    expect(err?.exitCode).toBe(7);
    expect(err?.message).not.toContain("s3cret");
  });
});

describe("encrypt / decrypt", () => {
  it("round-trips a tree with every type, comments and lists; empty strings and nulls stay in clear", async () => {
    const keys = memoryKeys();
    const [plain] = yaml(
      "# top comment\nstr: hello\nempty: ''\nnothing: null\nint: 42\nfloat: 1.5\nbool: false\ntime: 2024-01-01\nlist:\n    - a\n    - # c\n      b: 1\nkeep_unencrypted: clear\n",
    );
    const enc = await encryptNew([plain!], { groups: [["r1"]] }, keys);
    const out = text(emitEncrypted(yamlStore, enc));
    expect(out).toContain("empty: \"\"");
    expect(out).toContain("nothing: null");
    expect(out).toContain("keep_unencrypted: clear");
    expect(out).toMatch(/^#ENC\[AES256_GCM,.*type:comment\]$/m);
    expect(out).toMatch(/int: ENC\[.*type:int\]/);
    expect(out).toMatch(/time: ENC\[.*type:time\]/);
    expect(out).not.toContain("hello");
    const opened = await openDocument(yamlStore.parseEncrypted(Buffer.from(out)), keys);
    expect(text(yamlStore.emitPlain(opened.branches))).toBe(text(yamlStore.emitPlain([plain!])));
  });

  it("re-encrypting after a change keeps the data key and every unchanged ciphertext (minimal diff)", async () => {
    const keys = memoryKeys();
    const [plain] = yaml("db:\n    user: app\n    password: old\nother: same\nlist:\n    - x\n    - y\n");
    const first = text(emitEncrypted(yamlStore, await encryptNew([plain!], { groups: [["r1"]] }, keys)));
    const opened = await openDocument(yamlStore.parseEncrypted(Buffer.from(first)), keys);
    setPath(opened.branches[0]!, ["db", "password"], "new");
    const wrapsBefore = keys.wraps;
    const second = text(emitEncrypted(yamlStore, reencrypt(opened, opened.branches)));
    expect(keys.wraps).toBe(wrapsBefore); // no re-wrap: same data key, same enc entries
    const a = first.split("\n");
    const b = second.split("\n");
    const changed = a.map((l, i) => (l === b[i] ? null : l.trim().split(":")[0])).filter(Boolean);
    // lastmodified changes too, unless both writes fell in the same second.
    expect(changed.filter((k) => k !== "lastmodified")).toEqual(["password", "mac"]);
  });

  it("a read-only open remembers no IVs: re-encrypting from it changes every ciphertext", async () => {
    const keys = memoryKeys();
    const [plain] = yaml("a: one\nb: two\n");
    const text = emitEncrypted(yamlStore, await encryptNew([plain!], { groups: [["r1"]] }, keys));
    const encs = (t: Uint8Array) => Buffer.from(t).toString().match(/ENC\[[^\]]+type:str\]/g)!;
    const rw = await openDocument(yamlStore.parseEncrypted(text), keys);
    const ro = await openDocument(yamlStore.parseEncrypted(text), keys, { readOnly: true });
    const fromRw = encs(emitEncrypted(yamlStore, reencrypt(rw, rw.branches)));
    const fromRo = encs(emitEncrypted(yamlStore, reencrypt(ro, ro.branches)));
    const original = encs(text);
    expect(fromRw.slice(0, 2)).toEqual(original.slice(0, 2));
    expect(fromRo[0]).not.toBe(original[0]);
    expect(fromRo[1]).not.toBe(original[1]);
  });

  it("rotate changes the data key and every ciphertext; the old key no longer opens the file", async () => {
    const keys = memoryKeys();
    const [plain] = yaml("a: one\nb: two\n");
    const first = await encryptNew([plain!], { groups: [["r1"]] }, keys);
    const rotated = await rotate(first.open, keys);
    const oldKey = first.open.dataKey;
    expect(Buffer.from(rotated.metadata.keyGroups[0]!.age[0]!.enc)).not.toEqual(Buffer.from(first.metadata.keyGroups[0]!.age[0]!.enc));
    const reopened = await openDocument({ branches: rotated.branches, metadata: metadataToPlain(rotated.metadata) }, keys);
    expect(Buffer.from(reopened.dataKey).equals(Buffer.from(oldKey))).toBe(false);
    expect(toPlain(reopened.branches[0]!)).toEqual({ a: "one", b: "two" });
  });

  it("refuses zero recipients, and says which recipients and sources when no key opens a file", async () => {
    const [plain] = yaml("a: s3cret\n");
    const err = await encryptNew([plain!], { groups: [[]] }, memoryKeys()).catch((e) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.message).toMatch(/zero recipients/);
    const keys = memoryKeys({ deny: ["age1alice"] });
    const enc = await encryptNew([plain!], { groups: [["age1alice"]] }, keys);
    const e2 = await openDocument({ branches: enc.branches, metadata: metadataToPlain(enc.metadata) }, keys).catch((e) => e);
    expect(e2.exitCode).toBe(128);
    expect(e2.message).toContain("age1alice");
    expect(e2.message).not.toContain("s3cret");
  });

  it("key groups split the data key with Shamir; any threshold of groups opens it", async () => {
    const [plain] = yaml("a: v\n");
    const keys = memoryKeys();
    const enc = await encryptNew([plain!], { groups: [["g1"], ["g2"], ["g3"]], shamirThreshold: 2 }, keys);
    expect(enc.metadata.shamirThreshold).toBe(2);
    const out = text(emitEncrypted(yamlStore, enc));
    expect(out).toContain("key_groups:");
    expect(out).toContain("shamir_threshold: 2");
    for (const deny of [["g1"], ["g2"], ["g3"]]) {
      const k2 = Object.assign(Object.create(keys), { unwrap: (e: { recipient: string; enc: string }) => (deny.includes(e.recipient) ? Promise.resolve(null) : keys.unwrap(e)) });
      const opened = await openDocument(yamlStore.parseEncrypted(Buffer.from(out)), k2);
      expect(toPlain(opened.branches[0]!)).toEqual({ a: "v" });
    }
    const k1 = Object.assign(Object.create(keys), { unwrap: (e: { recipient: string; enc: string }) => (e.recipient === "g1" ? keys.unwrap(e) : Promise.resolve(null)) });
    const err = await openDocument(yamlStore.parseEncrypted(Buffer.from(out)), k1).catch((e) => e);
    expect(err.exitCode).toBe(128);
  });

  it("the cipher rejects a truncated ENC value and a bad type, naming only the path", () => {
    const c = new ValueCipher(new Uint8Array(32));
    const v = c.encrypt("s3cret", "a:");
    for (const bad of [v.slice(0, 30), v.replace("type:str", "type:weird"), v.replace(/tag:[^,]+/, "tag:AAAA")]) {
      const err = (() => {
        try {
          c.decrypt(bad, "a:", '["a"]');
        } catch (e) {
          return e as SecretsError;
        }
      })();
      expect(err?.exitCode).toBe(25);
      expect(err?.message).toContain('["a"]');
      expect(err?.message).not.toContain("s3cret");
    }
  });
});

describe("property: any tree survives YAML emit → parse and encrypt → decrypt", () => {
  const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "sops" && k !== "<<");
  const scalar = fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => new SopsInt(n)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0) && !Number.isInteger(d)).map((d) => new SopsFloat(d)),
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.uniqueArray(fc.tuple(key, tie("value")), { maxLength: 5, selector: ([k]) => k }).map((items) => new Branch(items.map(([k, v]) => ({ key: k, value: v as never })))),
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("tree"), fc.array(tie("value"), { maxLength: 3 })),
  }));

  it("YAML store round trip", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const out = yamlStore.emitPlain([t as Branch]);
        const back = yamlStore.parsePlain(out);
        expect(back.map((b) => toPlain(b))).toEqual([toPlain(t as Branch)]);
      }),
      { numRuns: 300 },
    );
  });

  it("encrypt then decrypt gives the same tree and a valid MAC", async () => {
    const keys = memoryKeys();
    await fc.assert(
      fc.asyncProperty(tree, async (t) => {
        const enc = await encryptNew([t as Branch], { groups: [["r"]] }, keys);
        const text = emitEncrypted(yamlStore, enc);
        const opened = await openDocument(yamlStore.parseEncrypted(text), keys);
        expect(opened.branches.map((b) => toPlain(b))).toEqual([toPlain(t as Branch)]);
      }),
      { numRuns: 150 },
    );
  });
});

describe("ENC value grammar", () => {
  it("rejects non-base64 fields, missing padding and the URL alphabet, like Go's StdEncoding", () => {
    const c = new ValueCipher(new Uint8Array(32));
    const good = c.encrypt("value-123", "k:");
    expect(c.decrypt(good, "k:", "k")).toBe("value-123");
    const iv = /iv:([^,]+)/.exec(good)![1]!;
    const variants = [
      good.replace(iv, iv.replace(/=$/, "")), // no padding
      good.replace(iv, iv.slice(0, 10) + "$" + iv.slice(11)), // a character outside the alphabet
      good.replace(iv, iv.replace(/[+/]/g, "-").replace(/^./, "-")), // URL alphabet
      good.replace("data:", "data:,"),
    ];
    for (const v of variants) {
      expect(v).not.toBe(good);
      expect(() => c.decrypt(v, "k:", "k")).toThrow(/malformed|authentication/);
    }
  });
});
