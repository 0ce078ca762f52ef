/**
 * Go `regexp` (RE2 syntax) patterns as JavaScript RegExps.
 *
 * sops matches `path_regex` and the `*_regex` encryption options with Go's `regexp.MatchString`: RE2
 * syntax, UTF-8 code points, unanchored search. Most RE2 patterns mean the same in JS, but not all,
 * so patterns are translated token by token rather than handed to `new RegExp` as they are:
 *
 * - leading flag groups `(?i)`, `(?s)`, `(?m)`, `(?U)` (any combination, also `(?is)`) become JS flags
 *   (`U`, ungreedy, is applied by swapping the laziness of every quantifier);
 * - `(?P<name>…)` becomes `(?<name>…)`;
 * - `.` without `s` is `[^\n]` (JS' `.` also stops at `\r`, U+2028 and U+2029; Go's only at `\n`);
 * - `\s` / `\S` are RE2's ASCII `[\t\n\f\r ]` (JS' `\s` has Unicode spaces too). Inside a bracket
 *   class `\S` stays JS' `\S`, a small, documented difference;
 * - `\A`, `\z`, `\a`, `\x{…}`, octal `\123`, `\Q…\E`, `\pL`, `\p{Greek}`, `\p{^Greek}` and POSIX
 *   classes `[[:alpha:]]` are rewritten to their JS equivalents;
 * - a `{` that does not start a repetition, and a lone `]` or `}`, are literals in RE2 (escaped here,
 *   since the `u` flag makes JS strict);
 * - punctuation escapes RE2 allows but JS' `u` mode does not (`\#`, `\-` outside a class, …) are
 *   emitted as plain literals.
 *
 * What RE2 rejects is rejected here too, with the reason: backreferences, lookaround, `\C`, repeat
 * counts over 1000, unknown escapes. What RE2 accepts but has no JS equivalent on Node 20 (a flag group
 * that is not at the start, such as `a(?i)b` or `(?i:b)`; a negated POSIX class) is rejected with a
 * message saying so, rather than silently matching something else.
 */

export class GoRegexpError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
  ) {
    super(message);
    this.name = "GoRegexpError";
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const SYNTAX_CHARS = new Set("^$\\.*+?()[]{}|/");
const MAX_REPEAT = 1000;
const RE2_SPACE = "\\t\\n\\f\\r ";

/** The general categories RE2 knows by their short name (`\pL`, `\p{Lu}`); anything else is a script. */
const GENERAL_CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(" "),
);

/** POSIX classes as ASCII ranges: [lo, hi] code point pairs. */
const POSIX: Record<string, Array<[number, number]>> = {
  alnum: [r("0", "9"), r("A", "Z"), r("a", "z")],
  alpha: [r("A", "Z"), r("a", "z")],
  ascii: [[0, 0x7f]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [r("0", "9")],
  graph: [r("!", "~")],
  lower: [r("a", "z")],
  print: [r(" ", "~")],
  punct: [r("!", "/"), r(":", "@"), r("[", "`"), r("{", "~")],
  space: [[9, 13], [32, 32]],
  upper: [r("A", "Z")],
  word: [r("0", "9"), r("A", "Z"), r("a", "z"), [95, 95]],
  xdigit: [r("0", "9"), r("A", "F"), r("a", "f")],
};

function r(a: string, b: string): [number, number] {
  return [a.codePointAt(0)!, b.codePointAt(0)!];
}

/** A code point as a JS regex literal that is valid in `u` mode, inside or outside a class. */
function lit(cp: number, inClass: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (/[A-Za-z0-9_]/.test(ch)) return ch;
  if (SYNTAX_CHARS.has(ch) || (inClass && ch === "-")) return "\\" + ch;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff)) {
    return `\\u{${cp.toString(16)}}`;
  }
  return ch;
}

interface Translation {
  source: string;
  flags: string;
}

class Translator {
  private i = 0;
  private readonly out: string[] = [];
  private readonly flags: Flags = { i: false, m: false, s: false, U: false };
  private groupNames = new Set<string>();

  constructor(private readonly src: string) {}

  private fail(reason: string): never {
    throw new GoRegexpError(`${reason} (at offset ${this.i})`, this.src);
  }

  private peek(k = 0): string | undefined {
    const cp = this.src.codePointAt(this.i + k);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  /** Reads one code point. */
  private next(): number {
    const cp = this.src.codePointAt(this.i);
    if (cp === undefined) this.fail("unexpected end of pattern");
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  translate(): Translation {
    this.leadingFlags();
    while (this.i < this.src.length) this.atomOrOperator();
    const flags = "u" + (this.flags.i ? "i" : "") + (this.flags.m ? "m" : "") + (this.flags.s ? "s" : "");
    return { source: this.out.join(""), flags };
  }

  /** `(?i)`, `(?s-m)`, … at the very start of the pattern. */
  private leadingFlags(): void {
    for (;;) {
      const m = /^\(\?([imsU-]*)\)/.exec(this.src.slice(this.i));
      if (!m) return;
      const spec = m[1]!;
      if (spec === "" || spec === "-" || spec.endsWith("-") || spec.indexOf("-") !== spec.lastIndexOf("-")) {
        this.fail("missing argument to repetition operator or bad flag group");
      }
      let on = true;
      for (const f of spec) {
        if (f === "-") on = false;
        else this.flags[f as keyof Flags] = on;
      }
      this.i += m[0].length;
    }
  }

  private atomOrOperator(): void {
    const c = this.peek()!;
    switch (c) {
      case "\\":
        this.i++;
        this.out.push(this.escape(false));
        return;
      case "[":
        this.i++;
        this.out.push(this.klass());
        return;
      case "(":
        this.group();
        return;
      case ".":
        this.i++;
        this.out.push(this.flags.s ? "." : "[^\\n]");
        return;
      case "*":
      case "+":
      case "?":
        this.i++;
        this.quantifier(c);
        return;
      case "{": {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) {
          this.i++;
          this.out.push("\\{");
          return;
        }
        const lo = Number(m[1]);
        const hi = m[3] === undefined || m[3] === "" ? undefined : Number(m[3]);
        if (lo > MAX_REPEAT || (hi !== undefined && hi > MAX_REPEAT)) this.fail("invalid repeat count (RE2 allows at most 1000)");
        if (hi !== undefined && hi < lo) this.fail("invalid repeat count (max below min)");
        this.i += m[0].length;
        this.quantifier(m[0]);
        return;
      }
      case "}":
      case "]":
        this.i++;
        this.out.push("\\" + c);
        return;
      case "^":
      case "$":
      case "|":
      case ")":
        this.i++;
        this.out.push(c);
        return;
      default:
        this.out.push(lit(this.next(), false));
    }
  }

  private quantifier(q: string): void {
    const prev = this.out[this.out.length - 1];
    if (prev === undefined || prev === "(" || prev === "|" || prev.startsWith("(?")) {
      this.fail("missing argument to repetition operator");
    }
    let lazy = false;
    if (this.peek() === "?") {
      lazy = true;
      this.i++;
    }
    if (this.flags.U) lazy = !lazy;
    const nextCh = this.peek();
    if (nextCh === "*" || nextCh === "+" || nextCh === "?") this.fail("invalid nested repetition operator");
    this.out.push(q + (lazy ? "?" : ""));
  }

  private group(): void {
    const rest = this.src.slice(this.i);
    if (!rest.startsWith("(?")) {
      this.i++;
      this.out.push("(");
      return;
    }
    if (rest.startsWith("(?:")) {
      this.i += 3;
      this.out.push("(?:");
      return;
    }
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named && !rest.startsWith("(?<=") && !rest.startsWith("(?<!")) {
      const name = named[1]!;
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture "${name}"`);
      if (/^[0-9]/.test(name)) this.fail(`named capture "${name}" starts with a digit (not supported in JavaScript)`);
      if (this.groupNames.has(name)) this.fail(`duplicate capture group name "${name}"`);
      this.groupNames.add(name);
      this.i += named[0].length;
      this.out.push(`(?<${name}>`);
      return;
    }
    if (/^\(\?(=|!|<=|<!)/.test(rest)) this.fail("lookahead and lookbehind are not supported by RE2");
    if (/^\(\?P=/.test(rest) || /^\(\?P>/.test(rest)) this.fail("backreferences are not supported by RE2");
    if (/^\(\?[imsU-]*[):]/.test(rest)) {
      this.fail("a flag group such as (?i) is only supported at the start of the pattern");
    }
    this.fail("invalid or unsupported Perl operator after (?");
  }

  /** After a backslash. Returns JS source for one atom (or, inside a class, one class item). */
  private escape(inClass: boolean): string {
    if (this.i >= this.src.length) this.fail("trailing backslash at end of expression");
    const c = this.peek()!;
    // Octal or a backreference.
    if (c >= "0" && c <= "9") {
      const isOctal = c === "0" || (c <= "7" && /^[0-7]/.test(this.peek(1) ?? ""));
      if (!isOctal) this.fail(`backreferences such as \\${c} are not supported by RE2`);
      const m = /^[0-7]{1,3}/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return lit(parseInt(m[0], 8), inClass);
    }
    this.i++;
    switch (c) {
      case "x": {
        const rest = this.src.slice(this.i);
        const braced = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
        const short = /^[0-9A-Fa-f]{2}/.exec(rest);
        const m = braced ?? short;
        if (!m) this.fail("invalid escape sequence \\x");
        const cp = parseInt(braced ? braced[1]! : m[0], 16);
        if (cp > 0x10ffff) this.fail("invalid escape sequence (code point too large)");
        this.i += m[0].length;
        return lit(cp, inClass);
      }
      case "a":
        return lit(7, inClass);
      case "f":
        return lit(12, inClass);
      case "t":
        return lit(9, inClass);
      case "n":
        return lit(10, inClass);
      case "r":
        return lit(13, inClass);
      case "v":
        return lit(11, inClass);
      case "A":
        if (inClass) this.fail("invalid escape \\A in character class");
        return "(?<![\\s\\S])";
      case "z":
        if (inClass) this.fail("invalid escape \\z in character class");
        return "(?![\\s\\S])";
      case "b":
      case "B":
        if (inClass) this.fail(`invalid escape \\${c} in character class`);
        return "\\" + c;
      case "d":
      case "D":
      case "w":
      case "W":
        return "\\" + c;
      case "s":
        return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
      case "S":
        return inClass ? "\\S" : `[^${RE2_SPACE}]`;
      case "p":
      case "P":
        return this.unicodeClass(c === "P");
      case "Q": {
        const end = this.src.indexOf("\\E", this.i);
        const text = end < 0 ? this.src.slice(this.i) : this.src.slice(this.i, end);
        this.i = end < 0 ? this.src.length : end + 2;
        // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points intended: RE2 quotes each code point as one literal.
        const parts = [...text].map((ch) => lit(ch.codePointAt(0)!, inClass));
        if (inClass) return parts.join("");
        // As in RE2, a quantifier after `\Q…\E` applies to the last character only.
        const last = parts.pop() ?? "(?:)";
        this.out.push(...parts);
        return last;
      }
      case "C":
        return this.fail("\\C (any byte) is not supported");
      default: {
        const cp = c.codePointAt(0)!;
        if (cp < 0x80 && !/[A-Za-z0-9]/.test(c)) return lit(cp, inClass);
        this.fail(`invalid escape sequence \\${c}`);
      }
    }
  }

  /** `\pL`, `\p{Greek}`, `\p{^Greek}` (the `p`/`P` already read). */
  private unicodeClass(negatedByCase: boolean): string {
    let name: string;
    if (this.peek() === "{") {
      const end = this.src.indexOf("}", this.i);
      if (end < 0) this.fail("invalid character class range (unterminated \\p{)");
      name = this.src.slice(this.i + 1, end);
      this.i = end + 1;
    } else {
      if (this.i >= this.src.length) this.fail("invalid character class range");
      name = String.fromCodePoint(this.next());
    }
    let negated = negatedByCase;
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) this.fail(`invalid character class range \\p{${name}}`);
    const prop = name === "Any" || GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
    const out = `\\${negated ? "P" : "p"}{${prop}}`;
    try {
      new RegExp(out, "u");
    } catch {
      this.fail(`invalid character class range \\p{${name}}`);
    }
    return out;
  }

  /** A bracket class, after the `[`. */
  private klass(): string {
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.i++;
    }
    const items: string[] = [];
    let first = true;
    for (;;) {
      if (this.i >= this.src.length) this.fail("missing closing ]");
      const c = this.peek()!;
      if (c === "]" && !first) {
        this.i++;
        break;
      }
      first = false;
      // POSIX class.
      if (c === "[" && this.peek(1) === ":") {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
        if (m) {
          const ranges = POSIX[m[2]!];
          if (!ranges) this.fail(`invalid character class range [:${m[2]}:]`);
          if (m[1]) this.fail(`negated POSIX class [:^${m[2]}:] is not supported`);
          this.i += m[0].length;
          items.push(ranges.map(([lo, hi]) => (lo === hi ? lit(lo, true) : `${lit(lo, true)}-${lit(hi, true)}`)).join(""));
          continue;
        }
      }
      // One class item: a code point (which may start a range) or a class escape.
      const lo = this.classChar();
      if (typeof lo === "string") {
        items.push(lo);
        continue;
      }
      if (this.peek() === "-" && this.peek(1) !== undefined && this.peek(1) !== "]") {
        const save = this.i;
        this.i++;
        const hi = this.classChar();
        if (typeof hi === "string") {
          // `[a-\d]`: RE2 reports a bad range.
          this.i = save;
          this.fail("invalid character class range");
        }
        if (hi < lo) this.fail("invalid character class range (reversed)");
        items.push(`${lit(lo, true)}-${lit(hi, true)}`);
      } else {
        items.push(lit(lo, true));
      }
    }
    return `[${negated ? "^" : ""}${items.join("")}]`;
  }

  /** A code point, or a string for a class escape such as `\d` or `\p{L}`. */
  private classChar(): number | string {
    if (this.peek() !== "\\") return this.next();
    this.i++;
    const c = this.peek();
    if (c !== undefined && "dDwWsSpPQ".includes(c)) return this.escape(true);
    // Single-character escapes: decode them back to a code point so that they can bound a range.
    const save = this.i;
    const js = this.escape(true);
    const cp = decodeLit(js);
    if (cp === undefined) {
      this.i = save;
      this.fail("invalid escape in character class");
    }
    return cp;
  }
}

/** Inverse of `lit` for one code point. */
function decodeLit(s: string): number | undefined {
  const u = /^\\u\{([0-9a-f]+)\}$/.exec(s);
  if (u) return parseInt(u[1]!, 16);
  if (s.startsWith("\\")) s = s.slice(1);
  const cp = s.codePointAt(0);
  if (cp === undefined || String.fromCodePoint(cp).length !== s.length) return undefined;
  return cp;
}

/** Translates a Go RE2 pattern into a JS source and flags. Throws GoRegexpError. */
export function translateGoRegexp(pattern: string): Translation {
  const t = new Translator(pattern).translate();
  try {
    new RegExp(t.source, t.flags);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : String(e);
    throw new GoRegexpError(reason, pattern);
  }
  return t;
}

const cache = new Map<string, RegExp>();

/**
 * Compiles a Go RE2 pattern. The RegExp has no `g`/`y` flag, so `test()` is a stateless, unanchored
 * search, like Go's `regexp.MatchString`. Throws GoRegexpError (a plain Error, not a SecretsError:
 * callers know which config field or flag the pattern came from).
 */
export function compileGoRegexp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const t = translateGoRegexp(pattern);
    re = new RegExp(t.source, t.flags);
    if (cache.size > 256) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** The reason a pattern does not compile, or undefined when it does. */
export function goRegexpProblem(pattern: string): string | undefined {
  try {
    compileGoRegexp(pattern);
    return undefined;
  } catch (e) {
    return e instanceof GoRegexpError ? e.message : String(e);
  }
}
