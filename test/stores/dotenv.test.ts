import { describe, expect, it } from "vitest";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { Branch, Comment, SopsFloat, SopsInt, SopsTime, type Value } from "../../src/sops/tree.js";
import { expectStoreError } from "./expect-error.js";

const enc = (s: string) => new TextEncoder().encode(s);
const txt = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const parse = (s: string | Uint8Array) => dotenvStore.parsePlain(typeof s === "string" ? enc(s) : s)[0]!;
const emit = (items: Branch["items"]) => txt(dotenvStore.emitPlain([new Branch(items)]));
const kv = (key: string, value: Value) => ({ key, value });

describe("dotenv reading (docs/sops-format.md §8.3)", () => {
  it("splits on \\n, drops the \\r of CRLF endings and empty lines, splits at the first =, trims nothing, keeps quotes", () => {
    const b = parse('A=1\r\n\n\nfoo = bar \nQ="quoted"\nS=\'single\'\nE==x=y\nexport K=v\n=empty key\nN=\n');
    expect(b.items).toEqual([
      kv("A", "1"),
      kv("foo ", " bar "),
      kv("Q", '"quoted"'),
      kv("S", "'single'"),
      kv("E", "=x=y"),
      kv("export K", "v"),
      kv("", "empty key"),
      kv("N", ""),
    ]);
    expect(parse("").items).toEqual([]);
    expect(parse("\n\n").items).toEqual([]);
    expect(parse("NOEOL=x").items).toEqual([kv("NOEOL", "x")]);
    // A leading BOM is skipped (sops makes it part of the first key); a U+FEFF in a value is kept.
    expect(parse("\ufeffK=\ufeffv\n").items).toEqual([kv("K", "\ufeffv")]);
    // A whole CRLF file: no value or comment keeps a \r; a \r elsewhere (or at EOF without \n) stays.
    expect(parse("#c\r\nA=1\r\nB=x\ry\r\nC=2\r").items).toEqual([new Comment("c"), kv("A", "1"), kv("B", "x\ry"), kv("C", "2\r")]);
  });

  it("a repeated key is a parse error naming the line (sops keeps both), data or metadata", () => {
    expect(expectStoreError(() => parse("A=1\n#c\nB=2\nA=3\n"), "parse").message).toBe("invalid dotenv input at line 4: a key appears twice");
    expectStoreError(() => dotenvStore.parseEncrypted(new TextEncoder().encode("A=1\nsops_version=1\nsops_version=2\n")), "parse");
  });

  it("refuses to write what a CRLF- or BOM-aware reader would read back differently", () => {
    expectStoreError(() => dotenvStore.emitPlain([new Branch([kv("A", "1\r")])]), "dump");
    expectStoreError(() => dotenvStore.emitPlain([new Branch([new Comment("c\r")])]), "dump");
    expectStoreError(() => dotenvStore.emitPlain([new Branch([kv("\ufeffK", "v")])]), "dump");
    // Only the first line: a BOM later, or a \r inside a value, is written as it is.
    expect(Buffer.from(dotenvStore.emitPlain([new Branch([kv("A", "x\ry"), kv("\ufeffK", "v")])])).toString()).toBe("A=x\ry\n\ufeffK=v\n");
  });

  it("the only escape is the two characters \\n, replaced left to right", () => {
    expect(parse("M=foo\\nbar\\n\n").get("M")).toBe("foo\nbar\n");
    expect(parse("M=a\\\\nb\n").get("M")).toBe("a\\\nb"); // `\\n` → `\` + newline, as Go's strings.Replace
    expect(parse("M=a\\tb\\\n").get("M")).toBe("a\\tb\\");
  });

  it("# lines are comments (text after #, spaces kept); a # later in a line is part of the value", () => {
    const b = parse("# a comment\n#ENC[AES256_GCM,data:x,iv:y,tag:z,type:comment]\nK=v # not a comment\n  #x=1\n");
    // Only a # in the first byte makes a comment: an indented one is a key.
    expect(b.items).toEqual([new Comment(" a comment"), new Comment("ENC[AES256_GCM,data:x,iv:y,tag:z,type:comment]"), kv("K", "v # not a comment"), kv("  #x", "1")]);
  });

  it("a value that is not UTF-8 stays bytes (Go strings are byte strings); keys are decoded", () => {
    const input = new Uint8Array([0x4b, 0x3d, 0xff, 0x5c, 0x6e, 0x00, 0x0a]);
    const b = parse(input);
    expect(b.items).toStrictEqual([kv("K", new Uint8Array([0xff, 0x0a, 0x00]))]);
    expect(Buffer.from(dotenvStore.emitPlain([b])).equals(Buffer.from(input))).toBe(true);
  });

  it("a line without = is a parse error naming the line number, not its text", () => {
    const e = expectStoreError(() => parse("A=1\n\n# c\nhunter2-secret-line\nB=2\n"), "parse", "hunter2-secret-line");
    expect(e.message).toContain("line 4");
    expectStoreError(() => dotenvStore.parseEncrypted(enc("password hunter2")), "parse", "hunter2");
  });
});

describe("dotenv writing", () => {
  it("key=value per item, newlines escaped, comments as #text", () => {
    expect(emit([new Comment(" top"), kv("A", "multi\nline\n"), kv("foo ", " bar"), new Comment("ENC[AES256_GCM,data:x,type:comment]"), kv("E", "")])).toBe(
      "# top\nA=multi\\nline\\n\nfoo = bar\n#ENC[AES256_GCM,data:x,type:comment]\nE=\n",
    );
    expect(emit([])).toBe("");
    expect(txt(dotenvStore.emitPlain([]))).toBe("");
  });

  it("non-string scalars go through sops' ValToString, unescaped", () => {
    expect(
      emit([
        kv("t", true),
        kv("f", false),
        kv("i", new SopsInt(-9223372036854775808n)),
        kv("one", new SopsFloat(1)),
        kv("neg0", new SopsFloat(-0)),
        kv("pi", new SopsFloat(3.14)),
        kv("big", new SopsFloat(123456)),
        kv("e6", new SopsFloat(1e6)),
        kv("e21", new SopsFloat(1e21)),
        kv("small", new SopsFloat(0.00001)),
        kv("nan", new SopsFloat(NaN)),
        kv("inf", new SopsFloat(Infinity)),
        kv("time", new SopsTime("2024-01-02T03:04:05.123456789+07:00")),
        kv("null", null),
      ]),
    ).toBe(
      [
        "t=true",
        "f=false",
        "i=-9223372036854775808",
        "one=1.0",
        "neg0=-0.0",
        "pi=3.14",
        "big=123456.0",
        "e6=1E+06",
        "e21=1E+21",
        "small=1E-05",
        "nan=NaN",
        "inf=+Inf",
        "time=2024-01-02T03:04:05+07:00",
        "null=<nil>",
        "",
      ].join("\n"),
    );
  });

  it("nested values cannot be written: a dump error naming the key only", () => {
    const e = expectStoreError(() => emit([kv("nested", new Branch([kv("x", "s3cr3t")]))]), "dump", "s3cr3t");
    expect(e.message).toBe("cannot use complex value in dotenv file; offending key nested");
    expectStoreError(() => emit([kv("list", ["s3cr3t"])]), "dump", "s3cr3t");
  });

  it("only the first document is written", () => {
    expect(txt(dotenvStore.emitPlain([new Branch([kv("a", "1")]), new Branch([kv("b", "2")])]))).toBe("a=1\n");
  });
});

describe("dotenv metadata (sops_ keys)", () => {
  const metadata = {
    age: [{ enc: "-----BEGIN AGE ENCRYPTED FILE-----\nAAA\n-----END AGE ENCRYPTED FILE-----\n", recipient: "age1x" }],
    lastmodified: "2026-01-01T00:00:00Z",
    mac: "ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]",
    mac_only_encrypted: true,
    shamir_threshold: 2,
    unencrypted_suffix: "_unencrypted",
    version: "3.13.2",
  };

  it("are appended flattened, in the order given, armor newlines as \\n; parse unflattens them (values as strings)", () => {
    const out = txt(dotenvStore.emitEncrypted({ branches: [new Branch([new Comment("ENC[c]"), kv("K", "ENC[v]")])], metadata }));
    expect(out).toBe(
      [
        "#ENC[c]",
        "K=ENC[v]",
        "sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nAAA\\n-----END AGE ENCRYPTED FILE-----\\n",
        "sops_age__list_0__map_recipient=age1x",
        "sops_lastmodified=2026-01-01T00:00:00Z",
        "sops_mac=ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]",
        "sops_mac_only_encrypted=true",
        "sops_shamir_threshold=2",
        "sops_unencrypted_suffix=_unencrypted",
        "sops_version=3.13.2",
        "",
      ].join("\n"),
    );
    const back = dotenvStore.parseEncrypted(enc(out));
    expect(back.branches[0]!.items).toEqual([new Comment("ENC[c]"), kv("K", "ENC[v]")]);
    expect(back.metadata).toEqual({ ...metadata, mac_only_encrypted: "true", shamir_threshold: "2" });
  });

  it("a plaintext .env with a sops_ key counts as encrypted for parseEncrypted; parsePlain leaves it in the data", () => {
    const input = enc("A=1\nsops_version=3.13.2\n");
    expect(dotenvStore.parseEncrypted(input)).toEqual({ branches: [new Branch([kv("A", "1")])], metadata: { version: "3.13.2" } });
    expect(dotenvStore.parsePlain(input)[0]!.keys()).toEqual(["A", "sops_version"]);
    expect(dotenvStore.parseEncrypted(enc("A=1\n")).metadata).toBeNull();
  });

  it("a data key starting with sops_ cannot be written next to the metadata", () => {
    expectStoreError(() => dotenvStore.emitEncrypted({ branches: [new Branch([kv("sops_x", "s3cr3t")])], metadata }), "dump", "s3cr3t");
  });

  it("key_groups flatten with nested __list_/__map_ steps", () => {
    const out = txt(
      dotenvStore.emitEncrypted({
        branches: [new Branch()],
        metadata: { key_groups: [{ age: [{ enc: "E0", recipient: "R0" }], hc_vault: [] }, { age: [{ enc: "E1", recipient: "R1" }] }], version: "3.13.2" },
      }),
    );
    expect(out).toBe(
      "sops_key_groups__list_0__map_age__list_0__map_enc=E0\nsops_key_groups__list_0__map_age__list_0__map_recipient=R0\nsops_key_groups__list_1__map_age__list_0__map_enc=E1\nsops_key_groups__list_1__map_age__list_0__map_recipient=R1\nsops_version=3.13.2\n",
    );
  });
});
