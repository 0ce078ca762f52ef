/**
 * The `files` input's glob patterns, matched against paths relative to the working directory with
 * `/` separators. Node 20 has no fs.glob, and the Action needs only this much:
 * `*` and `?` within one path segment, `**` as a whole segment for any number of segments,
 * `[abc]`/`[!a-z]` classes, `{a,b}` alternatives. `*` also matches names starting with a dot.
 */

const SPECIAL = /[\\^$.+()|]/;

export function globToRegExp(pattern: string): RegExp {
  const p = pattern.replace(/^\.\//, "");
  let re = "";
  let braces = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*") {
      if (p[i + 1] === "*") {
        const atStart = i === 0 || p[i - 1] === "/";
        const atEnd = i + 2 === p.length || p[i + 2] === "/";
        if (atStart && atEnd) {
          // `**/` is zero or more whole segments; a final `**` is anything below.
          if (i + 2 === p.length) re += ".*";
          else re += "(?:[^/]*/)*";
          i += 2;
          continue;
        }
      }
      re += "[^/]*";
      while (p[i + 1] === "*") i++;
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = p.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let body = p.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^/" : ""}${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) {
      re += "|";
    } else {
      re += SPECIAL.test(c) || c === "]" || c === "}" || c === "{" ? `\\${c}` : c;
    }
  }
  re += ")".repeat(braces);
  return new RegExp(`^${re}$`);
}

/** True when the pattern is a plain path (no glob syntax). */
export function isLiteral(pattern: string): boolean {
  return !/[*?[{]/.test(pattern);
}
