import { describe, expect, it } from "vitest";
import { MAX_NESTING } from "../../src/sops/nesting.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import { Branch, Comment, SopsFloat, SopsInt, SopsTime, type Value } from "../../src/sops/tree.js";
import { expectStoreError } from "./expect-error.js";

const enc = (s: string) => new TextEncoder().encode(s);
const txt = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const parse = (s: string | Uint8Array) => jsonStore.parsePlain(typeof s === "string" ? enc(s) : s)[0]!;
const emit = (b: Branch, indent?: number) => txt(jsonStore.emitPlain([b], indent === undefined ? undefined : { indent }));
const br = (o: Array<[string, Value]>) => new Branch(o.map(([key, value]) => ({ key, value })));

describe("JSON reading", () => {
  it("keeps key order; a repeated key is a parse error naming the line (Go's decoder would keep both)", () => {
    const b = parse('{"b": 1, "a": {"y": [], "x": {}}, "c": "again"}');
    expect(b.items).toEqual([
      { key: "b", value: new SopsInt(1n) },
      { key: "a", value: br([["y", []], ["x", new Branch()]]) },
      { key: "c", value: "again" },
    ]);
    expect(expectStoreError(() => parse('{"b": 1,\n "a": {"x": 1, "x": 2}}'), "parse").message).toBe("invalid JSON at line 2, column 16: a key appears twice in its object");
    expect(expectStoreError(() => parse('{"b": 1,\n"b": 2}'), "parse").message).toBe("invalid JSON at line 2, column 1: a key appears twice in its object");
    // The same key in sibling objects is fine.
    expect(() => parse('{"a": {"x": 1}, "b": {"x": 1}, "l": [{"x": 1}, {"x": 2}]}')).not.toThrow();
  });

  it("types numbers like sops 3.13.2: int64 literals are ints, everything else float64", () => {
    const b = parse(
      '{"i": 7, "neg0": -0, "max": 9223372036854775807, "min": -9223372036854775808, "over": 9223372036854775808, "one": 1.0, "e": 1e3, "pi": 3.14, "tiny": 1e-400}',
    );
    expect(b.items.map((i) => (i as { value: Value }).value)).toStrictEqual([
      new SopsInt(7n),
      new SopsInt(0n),
      new SopsInt(9223372036854775807n),
      new SopsInt(-9223372036854775808n),
      new SopsFloat(9223372036854775808),
      new SopsFloat(1),
      new SopsFloat(1000),
      new SopsFloat(3.14),
      new SopsFloat(0),
    ]);
  });

  it("decodes strings like Go: escapes, surrogate pairs, lone surrogates as U+FFFD; refuses bad UTF-8", () => {
    const b = parse('{"s": "\\u00e9\\ud83d\\ude00|\\ud800x|\\udc00|\\/\\b\\f\\n\\r\\t\\"\\\\", "k\\u0000": null, "t": true, "f": false}');
    expect(b.get("s")).toBe("é😀|\ufffdx|\ufffd|/\b\f\n\r\t\"\\");
    expect(b.get("k\u0000")).toBeNull();
    expect(b.get("t")).toBe(true);
    // A U+FEFF at the start of a string is data (Go keeps it; a default TextDecoder would drop it).
    expect(parse('{"bom": "\ufeffx", "\ufeffk": 1}').items).toStrictEqual([{ key: "bom", value: "\ufeffx" }, { key: "\ufeffk", value: new SopsInt(1n) }]);
    expect(b.get("f")).toBe(false);
    // Raw invalid bytes inside a string: refused, with the line (Go would make them U+FFFD, silently).
    const bad = new Uint8Array([0x7b, 0x0a, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x78, 0xff, 0xc3, 0x28, 0x22, 0x7d]);
    expect(expectStoreError(() => parse(bad), "parse").message).toBe("invalid JSON at line 2, column 7: the input is not UTF-8 text");
    // A leading BOM is skipped; a U+FEFF anywhere else is data.
    expect(parse(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{"k": "\ufeffv"}')])).items).toStrictEqual([{ key: "k", value: "\ufeffv" }]);
  });

  it("parses MAX_NESTING levels of nesting, and refuses one more with a line-numbered parse error", () => {
    // `deep(n)`: n containers, the top-level object included.
    const deep = (n: number) => '{"a":\n' + "[".repeat(n - 1) + "]".repeat(n - 1) + "}";
    let v: Value | undefined = parse(deep(MAX_NESTING)).get("a");
    let depth = 1;
    while (Array.isArray(v) && v.length) {
      v = v[0] as Value;
      depth++;
    }
    expect(depth).toBe(MAX_NESTING - 1);
    const e = expectStoreError(() => parse(deep(MAX_NESTING + 1)), "parse");
    expect(e.message).toBe(`the JSON document nests maps and lists deeper than ${MAX_NESTING} levels at line 2`);
    // Far deeper input (Go's 10,000 and beyond) stops at the same limit, without a RangeError.
    expectStoreError(() => parse(deep(50_000)), "parse");
    const out = jsonStore.emitPlain([parse(deep(MAX_NESTING))], { indent: 0 });
    expect(Buffer.from(out).toString().replaceAll("\n", "")).toBe(deep(MAX_NESTING).replace(":\n", ": "));
  });
});

describe("JSON writing (json.Marshal + json.Indent)", () => {
  const tree = br([
    ["s", "x"],
    ["n", new SopsInt(-42n)],
    ["f", new SopsFloat(1)],
    ["g", new SopsFloat(0.0000001)],
    ["h", new SopsFloat(1e21)],
    ["t", new SopsTime("2024-01-01T00:00:00.5Z")],
    ["b", false],
    ["z", null],
    ["empty", new Branch()],
    ["list", [new SopsInt(1n), new Comment(" skipped"), br([["k", []]])]],
  ]);

  it("indents with one tab by default, `\": \"` after keys, {} and [] for empty containers, a final newline", () => {
    expect(emit(tree)).toBe(
      [
        "{",
        '\t"s": "x",',
        '\t"n": -42,',
        '\t"f": 1,',
        '\t"g": 1e-7,',
        '\t"h": 1e+21,',
        '\t"t": "2024-01-01T00:00:00.5Z",',
        '\t"b": false,',
        '\t"z": null,',
        '\t"empty": {},',
        '\t"list": [',
        "\t\t1,",
        "\t\t{",
        '\t\t\t"k": []',
        "\t\t}",
        "\t]",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("indent N uses N spaces; indent 0 keeps Go's line breaks without indentation; < -1 is refused", () => {
    const small = br([["a", [new SopsInt(1n), new SopsInt(2n)]]]);
    expect(emit(small, 2)).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
    expect(emit(small, 0)).toBe('{\n"a": [\n1,\n2\n]\n}\n');
    expect(emit(small, -1)).toBe('{\n\t"a": [\n\t\t1,\n\t\t2\n\t]\n}\n');
    expectStoreError(() => emit(small, -2), "dump");
    expect(emit(new Branch())).toBe("{}\n");
  });

  it("escapes strings like Go's json.Marshal", () => {
    const s = "<a href='x'>&</a>\u2028\u2029\u0001\b\f\n\r\t\"\\\u007f é😀";
    expect(emit(br([[s, s]]))).toBe(
      '{\n\t"\\u003ca href=\'x\'\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029\\u0001\\b\\f\\n\\r\\t\\"\\\\\u007f é😀": "\\u003ca href=\'x\'\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029\\u0001\\b\\f\\n\\r\\t\\"\\\\\u007f é😀"\n}\n',
    );
    // Bytes (Go strings that are not UTF-8): each bad byte is \ufffd; valid runs stay as they are.
    const bytes = new Uint8Array([0x61, 0xff, 0xc3, 0xa9, 0xe2, 0x80, 0xa8, 0xc3, 0x3c, 0x0a]);
    expect(emit(br([["b", bytes]]))).toBe('{\n\t"b": "a\\ufffdé\\u2028\\ufffd\\u003c\\n"\n}\n');
    // A lone surrogate in a JS string is what TextEncoder makes of it: a literal U+FFFD.
    expect(emit(br([["l", "a\ud800b"]]))).toBe('{\n\t"l": "a\ufffdb"\n}\n');
  });

  it("refuses NaN and infinities, as json.Marshal does", () => {
    expectStoreError(() => emit(br([["x", new SopsFloat(NaN)]])), "dump");
    expectStoreError(() => emit(br([["x", new SopsFloat(-Infinity)]])), "dump");
  });

  it("writes only the first document (JSON holds one)", () => {
    expect(txt(jsonStore.emitPlain([br([["a", "1"]]), br([["b", "2"]])]))).toBe('{\n\t"a": "1"\n}\n');
  });

  it("emitValue (`--extract` of a non-string leaf) encodes and re-indents the value, with no trailing newline", () => {
    expect(txt(jsonStore.emitValue!(new SopsInt(5n)))).toBe("5");
    expect(txt(jsonStore.emitValue!("a<b"))).toBe('"a\\u003cb"');
    expect(txt(jsonStore.emitValue!([true, null]))).toBe("[\n\ttrue,\n\tnull\n]");
    expect(txt(jsonStore.emitValue!(br([["k", new SopsFloat(2.5)]]), { indent: 4 }))).toBe('{\n    "k": 2.5\n}');
  });
});

describe("JSON metadata", () => {
  it("the sops key is taken out on read and written last, as given", () => {
    const doc = jsonStore.parseEncrypted(enc('{"sops": {"version": "3.13.2", "age": [{"enc": "E", "recipient": "R"}], "shamir_threshold": 2}, "a": "x"}'));
    expect(doc.metadata).toEqual({ version: "3.13.2", age: [{ enc: "E", recipient: "R" }], shamir_threshold: 2 });
    expect(doc.branches[0]!.keys()).toEqual(["a"]);
    const out = txt(jsonStore.emitEncrypted({ branches: doc.branches, metadata: { a: [true, 1, 1.5, null], b: {} } }));
    expect(out).toBe('{\n\t"a": "x",\n\t"sops": {\n\t\t"a": [\n\t\t\ttrue,\n\t\t\t1,\n\t\t\t1.5,\n\t\t\tnull\n\t\t],\n\t\t"b": {}\n\t}\n}\n');
    expect(jsonStore.parseEncrypted(enc('{"a": 1}')).metadata).toBeNull();
    // An input key named __proto__ is an ordinary key of the metadata, not its prototype.
    const proto = jsonStore.parseEncrypted(enc('{"sops": {"__proto__": {"version": "x"}}}')).metadata as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(["__proto__"]);
    expect(proto.version).toBeUndefined();
  });

  it("a repeated sops key is an error; a data key named sops cannot be written", () => {
    expectStoreError(() => jsonStore.parseEncrypted(enc('{"sops": {}, "sops": {}}')), "parse");
    expectStoreError(() => jsonStore.emitEncrypted({ branches: [br([["sops", "x"]])], metadata: {} }), "dump");
    // In plaintext the key stays in the data: the caller refuses it ("already encrypted").
    expect(parse('{"sops": 1}').keys()).toEqual(["sops"]);
  });
});

describe("JSON bad input: kind parse, one line, never the value", () => {
  const cases: Array<[string, string | Uint8Array]> = [
    ["trailing comma", '{"k": "s3cr3t-value",}'],
    ["missing colon", '{"k" "s3cr3t-value"}'],
    ["unterminated string", '{"k": "s3cr3t-value'],
    ["unterminated object", '{"k": "s3cr3t-value"'],
    ["bad literal", '{"k": tru}'],
    ["bad escape", '{"k": "s3cr3t-value\\q"}'],
    ["raw control character", '{"k": "s3cr3t-value\u0001"}'],
    ["bad number", '{"k": 01}'],
    ["number overflow", '{"k": 1e400}'],
    ["single quotes", "{'k': 's3cr3t-value'}"],
    ["top-level array", '["s3cr3t-value"]'],
    ["top-level string", '"s3cr3t-value"'],
    ["top-level number", "42"],
    ["empty input", ""],
    ["only whitespace", " \n\t "],
    ["data after the object", '{"k": 1} s3cr3t-value'],
    ["a UTF-8 BOM followed by a non-object", "\ufeff[]"],
    ["a BOM twice", "\ufeff\ufeff{}"],
    ["binary junk", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x7b])],
    ["junk after an open brace", new Uint8Array([0x7b, 0xff, 0xfe, 0x00])],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      const e = expectStoreError(() => jsonStore.parsePlain(typeof input === "string" ? enc(input) : input), "parse", "s3cr3t-value");
      expect(e.message).toMatch(/^invalid JSON/);
      expectStoreError(() => jsonStore.parseEncrypted(typeof input === "string" ? enc(input) : input), "parse", "s3cr3t-value");
    });
  }

  it("errors name the line and column", () => {
    expect(expectStoreError(() => parse('{\n  "a": 1,\n  "b": x\n}'), "parse").message).toBe("invalid JSON at line 3, column 8: unexpected character, expected a value");
  });
});
