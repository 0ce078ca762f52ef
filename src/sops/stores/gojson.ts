import { SecretsError } from "../../errors.js";
import { formatJsonFloat } from "../gofmt.js";
import { MAX_NESTING, nestingTooDeep } from "../nesting.js";
import { Branch, Comment, SopsFloat, SopsInt, SopsTime, type List, type Value } from "../tree.js";
import { goDecodeUtf8, goRuneLength, isValidUtf8 } from "./utf8.js";

/**
 * Go's `encoding/json` as sops uses it, for the JSON and binary stores:
 *
 * - reading: sops walks the decoder's token stream (`json.Decoder.Token` with `UseNumber`), so key
 *   order is kept (a repeated key, which Go would keep, is refused here, as YAML refuses it); an integer literal that fits an int64 is an int,
 *   any other number a float64 (sops >= 3.13.2, `normalizeJSONNumber`);
 * - writing: `json.Marshal` for every scalar (HTML-safe escaping) and `json.Indent` over the whole
 *   document, then a newline.
 *
 * Input that is not UTF-8 is refused (Go would decode each bad byte to U+FFFD). Written strings are Go
 * byte strings: bytes that are not UTF-8 are written as `\ufffd`, as in Go.
 */

// ---------------------------------------------------------------------------------------------
// Writing

const HEX = "0123456789abcdef";

function escapeAscii(c: number): string | null {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x08:
      return "\\b"; // Go >= 1.22
    case 0x0c:
      return "\\f"; // Go >= 1.22
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x3c: // <  (json.Marshal escapes HTML)
    case 0x3e: // >
    case 0x26: // &
      return "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 0xf);
    default:
      return c < 0x20 ? "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 0xf) : null;
  }
}

// eslint-disable-next-line no-control-regex
const PLAIN_ASCII = /^[^\x00-\x1f"\\<>&\u2028\u2029\ud800-\udfff]*$/;

/**
 * `json.Marshal` of a Go string: `"` and `\` escaped, `\b \f \n \r \t` short forms, other control
 * characters and `< > &` as `\u00XX`, U+2028/U+2029 as `\u2028`/`\u2029`, each invalid UTF-8 byte
 * as `\ufffd`. A JS string's lone surrogate is what TextEncoder makes of it: a literal U+FFFD.
 */
export function goJsonQuote(v: string | Uint8Array): string {
  if (typeof v === "string") {
    if (PLAIN_ASCII.test(v)) return '"' + v + '"';
    let out = '"';
    for (const ch of v) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x80) out += escapeAscii(cp) ?? ch;
      else if (cp === 0x2028 || cp === 0x2029) out += "\\u202" + HEX.charAt(cp & 0xf);
      else if (cp >= 0xd800 && cp <= 0xdfff) out += "\ufffd";
      else out += ch;
    }
    return out + '"';
  }
  let out = '"';
  let i = 0;
  let runStart = 0;
  const flush = (to: number) => {
    if (to > runStart) out += goDecodeUtf8(v, runStart, to);
  };
  while (i < v.length) {
    const c = v[i]!;
    if (c < 0x80) {
      const e = escapeAscii(c);
      if (e !== null) {
        flush(i);
        out += e;
        runStart = i + 1;
      }
      i++;
      continue;
    }
    const n = goRuneLength(v, i);
    if (n === 0) {
      flush(i);
      out += "\\ufffd";
      runStart = ++i;
      continue;
    }
    // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
    if (n === 3 && c === 0xe2 && v[i + 1] === 0x80 && (v[i + 2] === 0xa8 || v[i + 2] === 0xa9)) {
      flush(i);
      out += v[i + 2] === 0xa8 ? "\\u2028" : "\\u2029";
      runStart = i + 3;
    }
    i += n;
  }
  flush(v.length);
  return out + '"';
}

/** The `json.Indent` indentation unit for sops' `indent` setting (-1: tab, N >= 0: N spaces). */
export function jsonIndentUnit(indent: number | undefined): string {
  const n = indent ?? -1;
  if (n === -1) return "\t";
  if (!Number.isInteger(n) || n < -1) throw new SecretsError("dump", "JSON indentation must be -1 (tab) or a number of spaces");
  return " ".repeat(n);
}

function scalarJson(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "string") return goJsonQuote(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof SopsInt) return v.value.toString();
  if (v instanceof SopsFloat) {
    if (!Number.isFinite(v.value)) throw new SecretsError("dump", "JSON cannot hold a NaN or infinite number");
    return formatJsonFloat(v.value);
  }
  // time.Time marshals as its RFC 3339 text, which is what SopsTime holds.
  if (v instanceof SopsTime) return goJsonQuote(v.text);
  if (v instanceof Uint8Array) return goJsonQuote(v);
  throw new SecretsError("dump", "a value of an unknown type cannot be written as JSON");
}

/**
 * sops' JSON encoder followed by `json.Indent(out, "", unit)`: one element per line, `": "` after
 * keys, `{}`/`[]` for empty containers, comments skipped. With unit "" (indent 0) Go still breaks
 * lines, only without indentation.
 */
export function writeJson(v: Value, unit: string): string {
  const parts: string[] = [];
  const nl = (depth: number) => "\n" + unit.repeat(depth);
  // An explicit work stack instead of recursion: documents nest as deep as the reader allows.
  const tasks: Array<string | { v: Value; depth: number }> = [{ v, depth: 0 }];
  while (tasks.length) {
    const t = tasks.pop()!;
    if (typeof t === "string") {
      parts.push(t);
      continue;
    }
    const { v: x, depth } = t;
    let seq: Array<string | { v: Value; depth: number }>;
    if (x instanceof Branch) {
      const items = x.items.filter((i) => !(i instanceof Comment)) as Array<{ key: string; value: Value }>;
      if (!items.length) {
        parts.push("{}");
        continue;
      }
      seq = ["{"];
      items.forEach((it, i) => {
        seq.push(nl(depth + 1) + goJsonQuote(it.key) + ": ", { v: it.value, depth: depth + 1 });
        if (i < items.length - 1) seq.push(",");
      });
      seq.push(nl(depth) + "}");
    } else if (Array.isArray(x)) {
      const items = x.filter((i) => !(i instanceof Comment)) as Value[];
      if (!items.length) {
        parts.push("[]");
        continue;
      }
      seq = ["["];
      items.forEach((it, i) => {
        seq.push(nl(depth + 1), { v: it, depth: depth + 1 });
        if (i < items.length - 1) seq.push(",");
      });
      seq.push(nl(depth) + "]");
    } else {
      parts.push(scalarJson(x));
      continue;
    }
    for (let k = seq.length - 1; k >= 0; k--) tasks.push(seq[k]!);
  }
  return parts.join("");
}

// ---------------------------------------------------------------------------------------------
// Reading

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class JsonReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  line(at = this.pos): number {
    let line = 1;
    for (let i = 0; i < at && i < this.b.length; i++) if (this.b[i] === 0x0a) line++;
    return line;
  }

  fail(what: string, at = this.pos): SecretsError {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.b.length; i++) {
      if (this.b[i] === 0x0a) {
        line++;
        col = 1;
      } else if ((this.b[i]! & 0xc0) !== 0x80) col++;
    }
    return new SecretsError("parse", `invalid JSON at line ${line}, column ${col}: ${what}`);
  }

  ws(): void {
    while (this.pos < this.b.length && WS.has(this.b[this.pos]!)) this.pos++;
  }

  eof(): boolean {
    return this.pos >= this.b.length;
  }

  peek(): number | undefined {
    return this.b[this.pos];
  }

  expect(c: number, what: string): void {
    this.ws();
    if (this.b[this.pos] !== c) throw this.fail(this.eof() ? `unexpected end of input, expected ${what}` : `expected ${what}`);
    this.pos++;
  }

  hex4(at: number): number {
    if (at + 4 > this.b.length) return -1;
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.b[at + k]!;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) return -1;
      n = n * 16 + d;
    }
    return n;
  }

  /** A string literal; `pos` is on the opening quote. Go's unquote rules. */
  string(): string {
    const b = this.b;
    const open = this.pos++;
    let out = "";
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= b.length) throw this.fail("unterminated string", open);
      const c = b[this.pos]!;
      if (c === 0x22) {
        out += goDecodeUtf8(b, runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw this.fail("control character in string");
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += goDecodeUtf8(b, runStart, this.pos);
      const e = b[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += "\\";
          break;
        case 0x2f:
          out += "/";
          break;
        case 0x62:
          out += "\b";
          break;
        case 0x66:
          out += "\f";
          break;
        case 0x6e:
          out += "\n";
          break;
        case 0x72:
          out += "\r";
          break;
        case 0x74:
          out += "\t";
          break;
        case 0x75: {
          const r = this.hex4(this.pos);
          if (r < 0) throw this.fail("invalid \\u escape in string");
          this.pos += 4;
          if (r >= 0xd800 && r <= 0xdfff) {
            // A valid pair joins; anything else is U+FFFD and the next escape is read on its own.
            const r2 = b[this.pos] === 0x5c && b[this.pos + 1] === 0x75 ? this.hex4(this.pos + 2) : -1;
            if (r <= 0xdbff && r2 >= 0xdc00 && r2 <= 0xdfff) {
              out += String.fromCharCode(r, r2);
              this.pos += 6;
            } else out += "\ufffd";
          } else out += String.fromCharCode(r);
          break;
        }
        default:
          throw this.fail("invalid escape in string", this.pos - 2);
      }
      runStart = this.pos;
    }
  }

  number(): Value {
    const b = this.b;
    const start = this.pos;
    let i = this.pos;
    if (b[i] === 0x2d) i++;
    const digit = (k: number) => b[k] !== undefined && b[k] >= 0x30 && b[k] <= 0x39;
    if (b[i] === 0x30) i++;
    else if (digit(i)) while (digit(i)) i++;
    else throw this.fail("invalid number", start);
    let integer = true;
    if (b[i] === 0x2e) {
      integer = false;
      i++;
      if (!digit(i)) throw this.fail("invalid number", start);
      while (digit(i)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      integer = false;
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!digit(i)) throw this.fail("invalid number", start);
      while (digit(i)) i++;
    }
    this.pos = i;
    const text = goDecodeUtf8(b, start, i);
    // Only up to 19 digits can fit an int64 (and BigInt of a huge literal would be slow).
    if (integer && text.replace("-", "").length <= 19) {
      const n = BigInt(text);
      if (n >= INT64_MIN && n <= INT64_MAX) return new SopsInt(n);
    }
    const f = Number(text);
    if (!Number.isFinite(f)) throw this.fail("number out of the float64 range", start);
    return new SopsFloat(f);
  }

  literal(word: string, v: Value): Value {
    for (let k = 0; k < word.length; k++) {
      if (this.b[this.pos + k] !== word.charCodeAt(k)) throw this.fail("invalid literal");
    }
    this.pos += word.length;
    return v;
  }

  scalar(): Value {
    const c = this.peek();
    if (c === undefined) throw this.fail("unexpected end of input, expected a value");
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal("true", true);
    if (c === 0x66) return this.literal("false", false);
    if (c === 0x6e) return this.literal("null", null);
    throw this.fail("unexpected character, expected a value");
  }

  key(): string {
    this.ws();
    if (this.peek() !== 0x22) throw this.fail(this.eof() ? "unexpected end of input, expected a key" : "expected a string key");
    const k = this.string();
    this.expect(0x3a, "':' after a key");
    return k;
  }

  /** One value, iteratively (no recursion); containers nest at most MAX_NESTING deep. */
  value(): Value {
    // `seen`: an object's keys so far (Go keeps a repeated key; like the YAML reader, we refuse it).
    const stack: Array<{ container: Branch | List; key: string; seen: Set<string> | null }> = [];
    const newKey = (top: { key: string; seen: Set<string> | null }) => {
      this.ws();
      const at = this.pos;
      top.key = this.key();
      if (top.seen!.has(top.key)) throw this.fail("a key appears twice in its object", at);
      top.seen!.add(top.key);
    };
    for (;;) {
      this.ws();
      let v: Value;
      const c = this.peek();
      if (c === 0x7b || c === 0x5b) {
        // Counted before an empty container too: every store and walker counts the same way.
        if (stack.length >= MAX_NESTING) throw nestingTooDeep("the JSON document", this.line());
        this.pos++;
        const container: Branch | List = c === 0x7b ? new Branch() : [];
        this.ws();
        if (this.peek() === (c === 0x7b ? 0x7d : 0x5d)) {
          this.pos++;
          v = container;
        } else {
          const top = { container, key: "", seen: c === 0x7b ? new Set<string>() : null };
          stack.push(top);
          if (c === 0x7b) newKey(top);
          continue;
        }
      } else v = this.scalar();

      // Attach v to its parent, closing every container that ends here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (!top) return v;
        if (top.container instanceof Branch) top.container.items.push({ key: top.key, value: v });
        else top.container.push(v);
        this.ws();
        const d = this.peek();
        if (d === 0x2c) {
          this.pos++;
          if (top.container instanceof Branch) newKey(top);
          break;
        }
        const isObj = top.container instanceof Branch;
        if (d === (isObj ? 0x7d : 0x5d)) {
          this.pos++;
          stack.pop();
          v = top.container;
          continue;
        }
        throw this.fail(d === undefined ? "unexpected end of input" : isObj ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }
}

/**
 * Parses a JSON document whose top level must be an object (sops rejects anything else), keeping
 * key order; a repeated key is a parse error. Unlike sops' token reader, data after the object is an error.
 */
export function parseJsonObject(input: Uint8Array): Branch {
  // Bytes that are not UTF-8 are refused (Go would turn each into U+FFFD: a silent change).
  if (!isValidUtf8(input)) {
    let i = 0;
    for (let n; i < input.length && (n = goRuneLength(input, i)) > 0; ) i += n;
    throw new JsonReader(input).fail("the input is not UTF-8 text", i);
  }
  const r = new JsonReader(input);
  // A leading UTF-8 BOM is skipped, as the YAML, INI and dotenv readers do (Go's decoder refuses it).
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) r.pos = 3;
  r.ws();
  if (r.eof()) throw new SecretsError("parse", "invalid JSON: the input is empty");
  if (r.peek() !== 0x7b) throw r.fail("the top level of a JSON document must be an object");
  const root = r.value();
  r.ws();
  if (!r.eof()) throw r.fail("unexpected data after the top-level object");
  return root as Branch;
}
