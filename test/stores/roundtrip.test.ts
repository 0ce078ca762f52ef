import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryStore } from "../../src/sops/stores/binary.js";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { isValidUtf8 } from "../../src/sops/stores/utf8.js";
import { iniStore } from "../../src/sops/stores/ini.js";
import { jsonStore } from "../../src/sops/stores/json.js";
import { Branch, Comment, SopsFloat, SopsInt, type Item, type List, type PlainValue, type Value } from "../../src/sops/tree.js";

/**
 * Property tests: any tree a format can hold survives emitPlain → parsePlain unchanged (types and
 * classes included: toStrictEqual), and any metadata survives emitEncrypted → parseEncrypted.
 * "Can hold" is the format's own limits as sops has them, each spelled out at its generator.
 */

const runs = { numRuns: 300 };

// ---------------------------------------------------------------------------------------------
// JSON: everything but comments. Floats that are whole numbers below 2^63 come back as ints (Go's
// json.Marshal writes 1.0 as `1`, and sops 3.13.2 reads that as an int), so they are left out.

const jsonScalar: fc.Arbitrary<Value> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("<", ">", "&", "\u2028", "\u2029", "\b", "\f", "\n", "\r", "\t", '"', "\\", "\u0000", "\u007f", "/", "é", "😀"), maxLength: 6 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => new SopsInt(n)),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((f) => !Number.isInteger(f) || Math.abs(f) > 2 ** 63)
    .map((f) => new SopsFloat(f)),
  fc.boolean(),
  fc.constant(null),
);

const jsonTree = fc.letrec<{ value: Value; branch: Branch; list: List }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, jsonScalar, tie("branch"), tie("list")),
  // Keys are unique: the reader refuses a repeated key.
  branch: fc
    .uniqueArray(fc.tuple(fc.string({ unit: "binary", maxLength: 8 }), tie("value")), { maxLength: 5, selector: ([k]) => k })
    .map((items) => new Branch(items.map(([key, value]) => ({ key, value })))),
  list: fc.array(tie("value"), { maxLength: 5 }),
}));

describe("JSON round trips", () => {
  it("emitPlain → parsePlain gives the same tree, at every indent", () => {
    fc.assert(
      fc.property(jsonTree.branch, fc.constantFrom(undefined, -1, 0, 2, 4), (tree, indent) => {
        const out = jsonStore.emitPlain([tree], indent === undefined ? undefined : { indent });
        expect(jsonStore.parsePlain(out)).toStrictEqual([tree]);
      }),
      runs,
    );
  });

  it("emitValue output parses back to the value (wrapped in an object)", () => {
    fc.assert(
      fc.property(jsonTree.value, (v) => {
        const text = Buffer.from(jsonStore.emitValue!(v)).toString();
        expect(jsonStore.parsePlain(new TextEncoder().encode(`{"v": ${text}}`))[0]!.get("v")).toStrictEqual(v);
      }),
      runs,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Metadata: nested maps and lists of strings (flattened formats read back strings only). Keys avoid
// the __map_/__list_ markers; empty maps and lists vanish when flattened, so they are not generated.

const metaKey = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,4})?$/);
// (No final `\r` either: the dotenv reader drops the `\r` of a CRLF ending, so the writer refuses it.)
const metaString = fc
  .string({ unit: "binary", maxLength: 30 })
  .filter((s) => !s.includes("\\") && !/^[#;]/.test(s) && !s.includes('"') && !s.includes("'") && !s.endsWith("\r"));
const metadata = fc.letrec<{ value: PlainValue; map: { [k: string]: PlainValue }; list: PlainValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: "small" }, metaString, tie("map"), tie("list")),
  map: fc.dictionary(metaKey, tie("value"), { minKeys: 1, maxKeys: 4 }),
  list: fc.array(tie("value"), { minLength: 1, maxLength: 3 }),
})).map;

describe("metadata round trips through the flattened formats and JSON", () => {
  it("dotenv: emitEncrypted → parseEncrypted gives the metadata back", () => {
    fc.assert(
      fc.property(metadata, (m) => {
        const out = dotenvStore.emitEncrypted({ branches: [new Branch([{ key: "k", value: "v" }])], metadata: m });
        const back = dotenvStore.parseEncrypted(out);
        expect(back.metadata).toEqual(m);
        expect(back.branches).toEqual([new Branch([{ key: "k", value: "v" }])]);
      }),
      runs,
    );
  });

  it("INI: emitEncrypted → parseEncrypted gives the metadata back", () => {
    fc.assert(
      fc.property(metadata, (m) => {
        const data = new Branch([{ key: "DEFAULT", value: new Branch() }]);
        const back = iniStore.parseEncrypted(iniStore.emitEncrypted({ branches: [data], metadata: m }));
        expect(back.metadata).toEqual(m);
        expect(back.branches).toEqual([data]);
      }),
      runs,
    );
  });

  it("JSON and binary: emitEncrypted → parseEncrypted gives the metadata back", () => {
    fc.assert(
      fc.property(metadata, (m) => {
        for (const store of [jsonStore, binaryStore]) {
          const data = new Branch([{ key: "data", value: "ENC[x]" }]);
          expect(store.parseEncrypted(store.emitEncrypted({ branches: [data], metadata: m }))).toEqual({ branches: [data], metadata: m });
        }
      }),
      runs,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// dotenv: one flat level of strings and comments. A key cannot hold `=` or a newline or start with
// `#`; no text can hold a newline except values (escaped), and a value cannot hold the two
// characters `\n` (they would read back as a newline: sops has no other escape). A value or comment
// cannot end with `\r` (the reader drops the `\r` of a CRLF ending), nor the first key start with a
// BOM (the reader skips it): the writer refuses those.

const noNl = (s: string) => !s.includes("\n");
const dotenvKey = fc.string({ unit: "binary", maxLength: 10 }).filter((s) => noNl(s) && !s.includes("=") && !s.startsWith("#"));
const noCrEnd = (s: string) => !s.endsWith("\r");
const dotenvValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("\\n") && noCrEnd(s)),
  fc.string({ unit: fc.constantFrom("a", "=", '"', "'", "\n", "\r", "\\", " ", "#", "é"), maxLength: 10 }).filter((s) => !s.includes("\\n") && noCrEnd(s)),
  // Values that are not UTF-8 stay bytes.
  fc.uint8Array({ maxLength: 10 }).filter((b) => !isValidUtf8(b) && !Buffer.from(b).includes("\\n") && b[b.length - 1] !== 0x0d),
);
const dotenvItem: fc.Arbitrary<Item | Comment> = fc.oneof(
  fc.tuple(dotenvKey, dotenvValue).map(([key, value]) => ({ key, value })),
  fc.string({ unit: "binary", maxLength: 10 }).filter((t) => noNl(t) && noCrEnd(t)).map((t) => new Comment(t)),
);
// Keys are unique: the reader refuses a repeated key.
const uniqueKeys = (items: Array<Item | Comment>) => {
  const keys = items.filter((it): it is Item => !(it instanceof Comment)).map((it) => it.key);
  return new Set(keys).size === keys.length;
};
const startsWithBom = (it: Item | Comment | undefined) => it !== undefined && !(it instanceof Comment) && it.key.startsWith("\ufeff");

describe("dotenv round trips", () => {
  it("emitPlain → parsePlain gives the same items", () => {
    fc.assert(
      fc.property(fc.array(dotenvItem, { maxLength: 8 }).filter((items) => !startsWithBom(items[0]) && uniqueKeys(items)), (items) => {
        const tree = new Branch(items);
        expect(dotenvStore.parsePlain(dotenvStore.emitPlain([tree]))).toStrictEqual([tree]);
      }),
      runs,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// INI: DEFAULT first, then sections of string values, as go-ini reads them. Limits (go-ini's):
// key names are unique per section, non-empty, not padded, not `-`, and do not start with `#`, `;`
// or `[`; values cannot hold quotes (`"`/`'` around a value are stripped) or a backslash (a trailing
// one continues the line); comments are one line, not padded, not starting with `;`/`#`, at most one
// per key; DEFAULT has no section comment (it has no header to stand above).

const iniName = fc
  .string({ unit: fc.constantFrom("a", "Z", "0", "_", ".", "-", " ", "=", ":", '"', "#", ";", "[", "é", "漢"), minLength: 1, maxLength: 8 })
  .filter((s) => s.trim() === s && !/^[#;[]/.test(s) && s !== "-");
const sectionName = fc
  .string({ unit: fc.constantFrom("a", "Z", "0", "_", ".", " ", "!", "é", ";"), minLength: 1, maxLength: 8 })
  .filter((s) => !["DEFAULT", "sops"].includes(s.toUpperCase()) && s.toUpperCase() !== "SOPS");
const iniValue = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", " ", "\t", "\n", "\r", "#", ";", "=", ":", "`", "[", "é", "\u00a0", "\u2003"), maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }).filter((s) => !/["'\\]/.test(s)),
  fc.uint8Array({ maxLength: 8 }).filter((b) => !isValidUtf8(b) && !b.some((c) => c === 0x22 || c === 0x27 || c === 0x5c)),
);
// Edges free of white space as Go's unicode.IsSpace sees it (go-ini trims comments with it): JS's
// \s has all of it but U+0085 (NEL), which Go counts and JS does not.
const iniComment = fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).filter((s) => noNl(s) && s.trim() === s && s.length > 0 && !/^[;#]/.test(s) && !/^[\s\u0085]|[\s\u0085]$/u.test(s));

function iniSection(withComment: boolean): fc.Arbitrary<Branch> {
  return fc
    .tuple(
      withComment ? fc.option(iniComment, { nil: undefined }) : fc.constant(undefined),
      fc.uniqueArray(fc.record({ key: iniName, value: iniValue, comment: fc.option(iniComment, { nil: undefined }) }), { selector: (k) => k.key, maxLength: 5 }),
    )
    .map(([c, keys]) => {
      const items: Array<Item | Comment> = c === undefined ? [] : [new Comment(c)];
      for (const k of keys) {
        items.push({ key: k.key, value: k.value });
        if (k.comment !== undefined) items.push(new Comment(k.comment));
      }
      return new Branch(items);
    });
}

const iniTree = fc
  .tuple(iniSection(false), fc.array(fc.tuple(sectionName, iniSection(true)), { maxLength: 4 }))
  .map(([def, secs]) => new Branch([{ key: "DEFAULT", value: def }, ...secs.map(([key, value]) => ({ key, value }))]));

describe("INI round trips", () => {
  it("emitPlain → parsePlain gives the same tree", () => {
    fc.assert(
      fc.property(iniTree, (tree) => {
        expect(iniStore.parsePlain(iniStore.emitPlain([tree]))).toStrictEqual([tree]);
      }),
      runs,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("binary round trips", () => {
  it("any bytes: parsePlain → emitPlain gives them back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(Buffer.from(binaryStore.emitPlain(binaryStore.parsePlain(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      runs,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("arbitrary input never crashes a reader", () => {
  const stores = [jsonStore, dotenvStore, iniStore, binaryStore];
  // Bytes, and text made of the characters each syntax cares about.
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 60 }),
    fc
      .string({ unit: fc.constantFrom("{", "}", "[", "]", '"', "\\", "u", ":", ",", "1", "-", "e", ".", "=", "#", ";", "`", "\n", " ", "sops_", "sops", "__map_", "__list_", "9"), maxLength: 40 })
      .map((s) => new TextEncoder().encode(s)),
  );

  it("each store either parses or throws a one-line SecretsError of kind parse", async () => {
    const { SecretsError } = await import("../../src/errors.js");
    fc.assert(
      fc.property(input, (bytes) => {
        for (const store of stores) {
          for (const read of [() => store.parsePlain(bytes), () => store.parseEncrypted(bytes)]) {
            try {
              read();
            } catch (e) {
              expect(e).toBeInstanceOf(SecretsError);
              expect((e as InstanceType<typeof SecretsError>).kind).toBe("parse");
              expect((e as Error).message).not.toMatch(/\n/);
            }
          }
        }
      }),
      runs,
    );
  });
});
