import { describe, expect, it } from "vitest";
import { iniStore } from "../../src/sops/stores/ini.js";
import { Branch, Comment, SopsFloat, SopsInt, type Value } from "../../src/sops/tree.js";
import { expectStoreError } from "./expect-error.js";

const enc = (s: string) => new TextEncoder().encode(s);
const txt = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const parse = (s: string | Uint8Array) => iniStore.parsePlain(typeof s === "string" ? enc(s) : s)[0]!;
const emit = (b: Branch) => txt(iniStore.emitPlain([b]));
const kv = (key: string, value: Value) => ({ key, value });
const sec = (name: string, items: Branch["items"]) => kv(name, new Branch(items));

const SAMPLE = [
  "; top comment",
  "# second line",
  "global = 1",
  "[first]  ; header comment",
  "a = override",
  "; about b",
  "b : two words  ; inline",
  'c = "  padded  "',
  "d = 'single'",
  "e = `has ; semicolon`",
  'f = """multi',
  'line"""',
  "g = cont \\",
  "   inued",
  "[first]",
  "x = dup section",
  "- = auto",
  "- = auto2",
  "; trailing comment: go-ini drops it",
  "",
].join("\n");

const SAMPLE_TREE = new Branch([
  sec("DEFAULT", [kv("global", "1"), new Comment("top comment\n# second line")]),
  sec("first", [
    new Comment("header comment"),
    kv("a", "override"),
    kv("b", "two words"),
    new Comment("about b\n; inline"),
    kv("c", "  padded  "),
    kv("d", "single"),
    kv("e", "has ; semicolon"),
    kv("f", "multi\nline"),
    kv("g", "cont inued"),
  ]),
  sec("first", [kv("x", "dup section"), kv("#1", "auto"), kv("#2", "auto2")]),
]);

describe("INI reading (go-ini semantics)", () => {
  it("sections, DEFAULT, comments, quoting, continuation, repeated sections, auto-increment keys", () => {
    expect(parse(SAMPLE)).toEqual(SAMPLE_TREE);
  });

  it("a key repeated in one section is a parse error naming the line (go-ini keeps the last value)", () => {
    const e = expectStoreError(() => parse("[s]\na = 1\nb = 2\na = 3\n"), "parse");
    expect(e.message).toBe("invalid INI at line 4: a key appears twice in its section");
    // The same key in two sections, or in two sections of the same name, is fine.
    expect(() => parse("[s]\na = 1\n[t]\na = 2\n[s]\na = 3\n")).not.toThrow();
  });

  it("DEFAULT is always there, first, even when empty; a BOM is skipped", () => {
    expect(parse("")).toEqual(new Branch([sec("DEFAULT", [])]));
    expect(parse("[s]\nk=v")).toEqual(new Branch([sec("DEFAULT", []), sec("s", [kv("k", "v")])]));
    expect(parse("\ufeffk=v\n")).toEqual(new Branch([sec("DEFAULT", [kv("k", "v")])]));
    // Only a BOM at the start of the file is skipped; U+FEFF is not a space to Go's TrimSpace.
    expect(parse("k=\ufeffv\ufeff\n")).toEqual(new Branch([sec("DEFAULT", [kv("k", "\ufeffv\ufeff")])]));
  });

  it("quoted key names, values with = and :, unicode spaces trimmed like Go's TrimSpace", () => {
    const b = parse('`a=b` = 1\n"""x`y""" = 2\n"q" = 3\nurl = http://h:1/?a=b\nnb =\u00a0v\u00a0\n');
    expect((b.get("DEFAULT") as Branch).items).toEqual([kv("a=b", "1"), kv("x`y", "2"), kv("q", "3"), kv("url", "http://h:1/?a=b"), kv("nb", "v")]);
  });

  it("a value that is not UTF-8 stays bytes", () => {
    const b = parse(new Uint8Array([0x6b, 0x3d, 0xff, 0x41, 0x0a]));
    expect((b.get("DEFAULT") as Branch).items).toStrictEqual([kv("k", new Uint8Array([0xff, 0x41]))]);
  });

  const bad: Array<[string, string, string]> = [
    ["a line without delimiter", "a = 1\nhunter2-secret\n", "line 2"],
    ["an unclosed section header", "[hunter2-secret\n", "line 1"],
    ["an empty section name", "a = 1\n[]\n", "line 2"],
    ["an empty key name", "= hunter2-secret\n", "line 1"],
    ["an unclosed multi-line value", 'k = """hunter2-secret\nmore hunter2-secret\n', "line 3"],
    ["an unclosed key quote", '"hunter2-secret = 1\n', "line 1"],
  ];
  for (const [name, input, where] of bad) {
    it(`${name} is a parse error naming the line, not the text`, () => {
      expect(expectStoreError(() => parse(input), "parse", "hunter2").message).toContain(where);
      expectStoreError(() => iniStore.parseEncrypted(enc(input)), "parse", "hunter2");
    });
  }
});

describe("INI writing (go-ini's writer)", () => {
  it("aligns = per section, ; before comments, a blank line between sections but not after the last", () => {
    expect(emit(SAMPLE_TREE)).toBe(
      [
        "; top comment",
        "# second line",
        "global = 1",
        "",
        "; header comment",
        "[first]",
        "a = override",
        "; about b",
        "; inline",
        "b = two words",
        'c = "  padded  "',
        "d = single",
        "e = `has ; semicolon`",
        'f = """multi',
        'line"""',
        "g = cont inued",
        "",
        "[first]",
        // sops writes auto-increment keys under their internal name: read back, they are comments.
        "x  = dup section",
        "#1 = auto",
        "#2 = auto2",
        "",
      ].join("\n"),
    );
  });

  it("quotes key names and values the way go-ini does", () => {
    const b = new Branch([
      sec("s", [
        kv("a", "x#y"),
        kv("b:c", " lead"),
        kv('d"e', "trail\t"),
        kv("f`g", "a\nb"),
        kv("h", "tick`"),
        kv("i", ""),
        kv("j", "\u00a0nbsp"),
      ]),
    ]);
    expect(emit(b)).toBe(
      ["[s]", "a         = `x#y`", '`b:c`     = " lead"', '`d"e`     = "trail\t"', '"""f`g""" = """a', 'b"""', 'h         = """tick`"""', "i         = ", 'j         = "\u00a0nbsp"', ""].join("\n"),
    );
    expect(parse(emit(b))).toEqual(new Branch([sec("DEFAULT", []), ...b.items]));
  });

  it("DEFAULT: no header when first (skipped when empty, its comment still written), a header elsewhere", () => {
    expect(emit(new Branch([sec("DEFAULT", []), sec("s", [kv("k", "v")])]))).toBe("[s]\nk = v\n");
    expect(emit(new Branch([sec("default", [kv("k", "v")])]))).toBe("k = v\n");
    expect(emit(new Branch([sec("s", [kv("k", "v")]), sec("DEFAULT", [kv("d", "1")])]))).toBe("[s]\nk = v\n\n[DEFAULT]\nd = 1\n");
    expect(emit(new Branch([sec("DEFAULT", [new Comment("c")]), sec("s", [kv("k", "v")])]))).toBe("; c\n[s]\nk = v\n");
    expect(emit(new Branch([]))).toBe("");
  });

  it("comments: the first item is the section's; one after a key goes above it (last wins); others are dropped", () => {
    const b = new Branch([
      new Comment("top-level: nowhere to go"),
      sec("s", [new Comment("ENC[AES256_GCM,data:x,type:comment]"), new Comment("no key yet"), kv("k", "v"), new Comment("first"), new Comment("second")]),
    ]);
    expect(emit(b)).toBe("; ENC[AES256_GCM,data:x,type:comment]\n[s]\n; second\nk = v\n");
  });

  it("non-string values go through ValToString; nested values, top-level scalars and empty names are dump errors", () => {
    expect(emit(new Branch([sec("s", [kv("b", true), kv("i", new SopsInt(5n)), kv("f", new SopsFloat(2)), kv("n", null)])]))).toBe(
      "[s]\nb = true\ni = 5\nf = 2.0\nn = <nil>\n",
    );
    expectStoreError(() => emit(new Branch([sec("s", [kv("deep", new Branch([kv("x", "s3cr3t")]))])])), "dump", "s3cr3t");
    expectStoreError(() => emit(new Branch([sec("s", [kv("list", ["s3cr3t"])])])), "dump", "s3cr3t");
    expectStoreError(() => emit(new Branch([kv("top", "s3cr3t")])), "dump", "s3cr3t");
    expectStoreError(() => emit(new Branch([sec("", [])])), "dump");
    expectStoreError(() => emit(new Branch([sec("s", [kv("", "s3cr3t")])])), "dump", "s3cr3t");
    expectStoreError(() => emit(new Branch([sec("s", [kv("k", "v"), new Comment("a\n\nb")])])), "dump");
  });
});

describe("INI metadata ([sops] section)", () => {
  const metadata = {
    age: [{ enc: "-----BEGIN AGE ENCRYPTED FILE-----\nAAA\n-----END AGE ENCRYPTED FILE-----\n", recipient: "age1x" }],
    lastmodified: "2026-01-01T00:00:00Z",
    mac: "ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]",
    mac_only_encrypted: true,
    unencrypted_suffix: "_unencrypted",
    version: "3.13.2",
  };

  it("is the last section, flattened without prefix, newlines as \\n; parse takes it back out", () => {
    const data = new Branch([sec("DEFAULT", [kv("top", "ENC[t]")]), sec("app", [new Comment("ENC[c]"), kv("k", "ENC[v]")])]);
    const out = txt(iniStore.emitEncrypted({ branches: [data], metadata }));
    expect(out).toBe(
      [
        "top = ENC[t]",
        "",
        "; ENC[c]",
        "[app]",
        "k = ENC[v]",
        "",
        "[sops]",
        "age__list_0__map_enc       = -----BEGIN AGE ENCRYPTED FILE-----\\nAAA\\n-----END AGE ENCRYPTED FILE-----\\n",
        "age__list_0__map_recipient = age1x",
        "lastmodified               = 2026-01-01T00:00:00Z",
        "mac                        = ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]",
        "mac_only_encrypted         = true",
        "unencrypted_suffix         = _unencrypted",
        "version                    = 3.13.2",
        "",
      ].join("\n"),
    );
    const back = iniStore.parseEncrypted(enc(out));
    expect(back.branches).toEqual([data]);
    expect(back.metadata).toEqual({ ...metadata, mac_only_encrypted: "true" });
  });

  it("no [sops] section: metadata null; two: a parse error; a data section named sops cannot be written", () => {
    expect(iniStore.parseEncrypted(enc("[a]\nk=v\n")).metadata).toBeNull();
    expectStoreError(() => iniStore.parseEncrypted(enc("[sops]\nversion=1\n[sops]\nversion=2\n")), "parse");
    expectStoreError(() => iniStore.emitEncrypted({ branches: [new Branch([sec("sops", [kv("k", "s3cr3t")])])], metadata }), "dump", "s3cr3t");
    // In plaintext, [sops] stays in the data: the caller refuses it ("already encrypted").
    expect(parse("[sops]\nk=v\n").keys()).toEqual(["DEFAULT", "sops"]);
  });
});
