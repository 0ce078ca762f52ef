import { formatYamlFloat, parseYamlTimestamp } from "../gofmt.js";
import { SopsFloat, SopsInt, SopsTime, type Scalar } from "../tree.js";

/**
 * go-yaml v3's rules for plain scalars: how an unquoted scalar resolves to a type when read
 * (`resolve.go`), and which quoting style the emitter picks when writing a string
 * (`encode.go` stringv + `emitterc.go` analyze/select scalar style). sops reads and writes YAML through
 * go-yaml v3, so matching these rules is what keeps type tags, MACs and bytes identical.
 */

const resolveMap: Record<string, Scalar> = {
  "": null, "~": null, null: null, Null: null, NULL: null,
  true: true, True: true, TRUE: true, false: false, False: false, FALSE: false,
  ".nan": new SopsFloat(NaN), ".NaN": new SopsFloat(NaN), ".NAN": new SopsFloat(NaN),
  ".inf": new SopsFloat(Infinity), ".Inf": new SopsFloat(Infinity), ".INF": new SopsFloat(Infinity),
  "+.inf": new SopsFloat(Infinity), "+.Inf": new SopsFloat(Infinity), "+.INF": new SopsFloat(Infinity),
  "-.inf": new SopsFloat(-Infinity), "-.Inf": new SopsFloat(-Infinity), "-.INF": new SopsFloat(-Infinity),
};

const RESOLVE_MAP_LONGEST = Math.max(...Object.keys(resolveMap).map((k) => k.length));

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;

/** Go `strconv.ParseInt(s, 0, 64)` (or ParseUint when `unsigned`); null when it fails. */
function goParseInt(s: string, unsigned: boolean): bigint | null {
  let neg = false;
  let body = s;
  if (body[0] === "+" || body[0] === "-") {
    if (unsigned) return null;
    neg = body[0] === "-";
    body = body.slice(1);
  }
  let digits: RegExp;
  let prefix = "";
  if (/^0[xX]/.test(body)) [prefix, body, digits] = ["0x", body.slice(2), /^[0-9a-fA-F]+$/];
  else if (/^0[oO]/.test(body)) [prefix, body, digits] = ["0o", body.slice(2), /^[0-7]+$/];
  else if (/^0[bB]/.test(body)) [prefix, body, digits] = ["0b", body.slice(2), /^[01]+$/];
  else if (/^0[0-9]/.test(body)) [prefix, body, digits] = ["0o", body.slice(1), /^[0-7]+$/];
  else digits = /^[0-9]+$/;
  if (!digits.test(body)) return null;
  let v = BigInt(prefix + body);
  if (neg) v = -v;
  if (unsigned ? v > UINT64_MAX : v > INT64_MAX || v < INT64_MIN) return null;
  return v;
}

/** The value go-yaml v3 gives an unquoted, untagged scalar. */
export function resolvePlain(s: string): Scalar {
  // The length test first: looking a long string up hashes all of it (an ENC[…] value is ~150 chars).
  if (s.length <= RESOLVE_MAP_LONGEST && Object.prototype.hasOwnProperty.call(resolveMap, s)) return resolveMap[s]!;
  const c = s[0];
  if (c === ".") {
    // strconv.ParseFloat on the raw text
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return new SopsFloat(Number(s));
    return s;
  }
  if (c !== undefined && (c === "+" || c === "-" || (c >= "0" && c <= "9"))) {
    const ts = parseYamlTimestamp(s);
    if (ts !== null) return new SopsTime(ts);
    const plain = s.replace(/_/g, "");
    const i = goParseInt(plain, false) ?? goParseInt(plain, true);
    if (i !== null) return new SopsInt(i);
    if (yamlStyleFloat.test(plain)) return new SopsFloat(Number(plain));
  }
  return s;
}

/** True when a string written plain would read back as something else (go-yaml then double-quotes). */
function resolvesToNonString(s: string): boolean {
  return typeof resolvePlain(s) !== "string" || s === "<<";
}

const oldBools = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"]);
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
const isBreak = (cp: number) => cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isSpace = (cp: number) => cp === 0x20;
const isBlankz = (cp: number | undefined) => cp === undefined || cp === 0x20 || cp === 0x09 || isBreak(cp) || cp === 0;

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  single: boolean;
  block: boolean;
}

/** go-yaml `yaml_emitter_analyze_scalar`. */
function analyze(value: string): Analysis {
  if (value.length === 0) return { multiline: false, flowPlain: false, blockPlain: true, single: true, block: false };
  const cps = Array.from(value, (ch) => ch.codePointAt(0)!);
  let blockInd = false, flowInd = false, lineBreaks = false, special = false, tabs = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, prevSpace = false, prevBreak = false;
  if (value.startsWith("---") || value.startsWith("...")) blockInd = flowInd = true;
  let precededByWs = true;
  let followedByWs = isBlankz(cps[1]);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) flowInd = blockInd = true;
      else if (ch === "?" || ch === ":") {
        flowInd = true;
        if (followedByWs) blockInd = true;
      } else if (ch === "-" && followedByWs) flowInd = blockInd = true;
    } else {
      if (",?[]{}".includes(ch)) flowInd = true;
      else if (ch === ":") {
        flowInd = true;
        if (followedByWs) blockInd = true;
      } else if (ch === "#" && precededByWs) flowInd = blockInd = true;
    }
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c)) special = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = isBlankz(c);
    followedByWs = isBlankz(cps[i + 2]);
  }
  const a: Analysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, single: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.flowPlain = a.blockPlain = false;
  if (trailingSpace) a.block = false;
  if (breakSpace) a.flowPlain = a.blockPlain = a.single = false;
  if (spaceBreak || tabs || special) a.flowPlain = a.blockPlain = a.single = false;
  if (spaceBreak || special) a.block = false;
  if (lineBreaks) a.flowPlain = a.blockPlain = false;
  if (flowInd) a.flowPlain = false;
  if (blockInd) a.blockPlain = false;
  return a;
}

export type ScalarStyle = "plain" | "single" | "double" | "literal";

/**
 * Strings made only of these characters, starting with a letter, with single spaces between words,
 * and no `: ` or final `:`, raise none of go-yaml's block-context flags (no indicator, break, special
 * character, or leading/trailing space), so only their plain resolution decides the style. Most keys
 * and every ENC[…] value take this shortcut; everything else gets the full analysis.
 */
const simpleRe = /^[A-Za-z][A-Za-z0-9_./+=,:()[\]@-]*(?: [A-Za-z0-9_./+=,:()[\]@-]+)*$/;

/** The style go-yaml v3 writes a string in, in block context (keys: `simpleKey`). */
export function stringStyle(s: string, simpleKey: boolean): ScalarStyle {
  if (simpleRe.test(s) && !s.includes(": ") && !s.endsWith(":")) {
    return !resolvesToNonString(s) && !oldBools.has(s) ? "plain" : "double";
  }
  return analyzedStyle(s, simpleKey);
}

/** go-yaml's full style decision (stringv, analyze_scalar, select_scalar_style). */
export function analyzedStyle(s: string, simpleKey: boolean): ScalarStyle {
  let style: ScalarStyle;
  if (s.includes("\n")) style = "literal";
  else if (!resolvesToNonString(s) && !base60Float.test(s) && !oldBools.has(s)) style = "plain";
  else style = "double";
  const a = analyze(s);
  if (simpleKey && a.multiline) style = "double";
  if (style === "plain") {
    if (!a.blockPlain) style = "single";
    if (s.length === 0 && simpleKey) style = "single";
  }
  if (style === "single" && !a.single) style = "double";
  if (style === "literal" && (!a.block || simpleKey)) style = "double";
  return style;
}

/** go-yaml's double-quoted escaping. */
export function doubleQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (!isPrintable(c) || c === 0xfeff || isBreak(c) || ch === '"' || ch === "\\") {
      switch (c) {
        case 0x00: out += "\\0"; break;
        case 0x07: out += "\\a"; break;
        case 0x08: out += "\\b"; break;
        case 0x09: out += "\\t"; break;
        case 0x0a: out += "\\n"; break;
        case 0x0b: out += "\\v"; break;
        case 0x0c: out += "\\f"; break;
        case 0x0d: out += "\\r"; break;
        case 0x1b: out += "\\e"; break;
        case 0x22: out += '\\"'; break;
        case 0x5c: out += "\\\\"; break;
        case 0x85: out += "\\N"; break;
        case 0xa0: out += "\\_"; break;
        case 0x2028: out += "\\L"; break;
        case 0x2029: out += "\\P"; break;
        default:
          if (c <= 0xff) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
          else if (c <= 0xffff) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
          else out += "\\U" + c.toString(16).toUpperCase().padStart(8, "0");
      }
    } else out += ch;
  }
  return out + '"';
}

/** The text of a non-string scalar as go-yaml writes it (always plain). */
export function scalarText(v: Exclude<Scalar, string | Uint8Array>): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof SopsInt) return v.value.toString();
  if (v instanceof SopsFloat) return formatYamlFloat(v.value);
  return v.text; // SopsTime
}
