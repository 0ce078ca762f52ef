/**
 * Go RE2 patterns as used by sops (`regexp.Match`: an unanchored search) mapped onto JS RegExp.
 * RE2 is mostly a subset of JS syntax; the differences that matter in real configs are leading inline
 * flag groups like `(?i)` and `\z`. Returns null for a pattern JS cannot compile (sops treats an
 * invalid pattern as "no match" for encryption rules).
 */
export function compileRe2(pattern: string): RegExp | null {
  let flags = "u";
  let src = pattern;
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    for (const f of m[1]!) {
      if (f === "i") flags += "i";
      else if (f === "s") flags += "s";
      else if (f === "m") flags += "m";
      // U (ungreedy) has no JS equivalent: give up rather than match differently.
      else return null;
    }
    src = src.slice(m[0].length);
  }
  src = src.replace(/\\z/g, "$(?![\\s\\S])");
  try {
    return new RegExp(src, flags);
  } catch {
    try {
      return new RegExp(src, flags.replace("u", ""));
    } catch {
      return null;
    }
  }
}
