/**
 * `.gitattributes` for secrets files: git matches files with globs, `.sops.yaml` with RE2 regexes.
 *
 * regexToGlobs turns the common shapes of `path_regex` into globs that match at least every path the
 * regex matches (a superset is harmless: our diff and merge drivers pass files that are not
 * encrypted through to git's own behaviour). Shapes it does not know give null, and the caller
 * falls back to listing files one by one.
 *
 * Our entries live in one marked block, rewritten as a whole, so re-running setup is idempotent and
 * the user's own lines are never touched.
 */

export const BLOCK_START = "# >>> gitops-secrets (written by `secrets git setup`; edits inside are replaced) >>>";
export const BLOCK_END = "# <<< gitops-secrets <<<";
export const ATTRIBUTES = "diff=secrets merge=secrets";

type Token = { lit: string } | { any: true } | { comp: true } | { one: true } | { alt: string[] };

const MAX_GLOBS = 16;

function tokenize(body: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    const rest = body.slice(i);
    if (rest.startsWith(".*") || rest.startsWith(".+")) {
      out.push({ any: true });
      i += 2;
    } else if (rest.startsWith("[^/]*") || rest.startsWith("[^/]+")) {
      out.push({ comp: true });
      i += 5;
    } else if (c === "\\") {
      const n = body[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return null; // \d, \w…: not a literal
      out.push({ lit: n });
      i += 2;
    } else if (c === "(") {
      const close = body.indexOf(")", i);
      if (close < 0) return null;
      let inner = body.slice(i + 1, close);
      if (inner.startsWith("?:")) inner = inner.slice(2);
      const alts = inner.split("|").map((a) => a.replace(/\\(.)/g, "$1"));
      if (alts.some((a) => !/^[A-Za-z0-9_.\-/]*$/.test(a))) return null;
      out.push({ alt: alts });
      i = close + 1;
    } else if (c === ".") {
      out.push({ one: true }); // any one character (a path separator aside: close enough)
      i++;
    } else if (/[A-Za-z0-9_\-/ ~@%,=]/.test(c)) {
      out.push({ lit: c });
      i++;
    } else {
      return null; // `.`, `?`, `+`, classes, repetitions…
    }
  }
  return out;
}

/** Globs (relative to the repository top) covering what `regex` matches, relative to `dir` ("" or "a/b/"). */
export function regexToGlobs(regex: string, dir = ""): string[] | null {
  let body = regex;
  let start: "root" | "component" | "anywhere" = "anywhere";
  if (body.startsWith("(^|/)") || body.startsWith("(?:^|/)")) {
    start = "component";
    body = body.slice(body.indexOf(")") + 1);
  } else if (body.startsWith("^")) {
    start = "root";
    body = body.slice(1);
  }
  let anchoredEnd = false;
  if (body.endsWith("$") && !body.endsWith("\\$")) {
    anchoredEnd = true;
    body = body.slice(0, -1);
  }
  const tokens = tokenize(body);
  if (!tokens || tokens.length === 0) return null;

  let globs = [""];
  tokens.forEach((t, i) => {
    const prevBoundary = i === 0 ? start !== "anywhere" : "lit" in tokens[i - 1]! && (tokens[i - 1] as { lit: string }).lit === "/";
    const nextTok = tokens[i + 1];
    // The end of the pattern is a boundary: the path ends there, or anything (slashes too) follows.
    const nextBoundary = nextTok === undefined || ("lit" in nextTok && nextTok.lit === "/");
    let parts: string[];
    if ("lit" in t) parts = [t.lit === "*" || t.lit === "?" || t.lit === "[" ? `\\${t.lit}` : t.lit];
    else if ("alt" in t) parts = t.alt;
    else if ("comp" in t) parts = ["*"];
    else if ("one" in t) parts = ["?"];
    else if (prevBoundary && nextBoundary) parts = ["**"];
    else if (prevBoundary) parts = ["**/*"];
    else if (nextBoundary) parts = ["*/**"];
    else parts = ["*", "*/**/*"];
    globs = globs.flatMap((g) => parts.map((p) => g + p));
  });
  if (!anchoredEnd) globs = globs.flatMap((g) => (g.endsWith("/") || g.endsWith("**") ? [g.endsWith("/") ? `${g}**` : g] : [`${g}*`, `${g}*/**`]));
  const lead = start === "root" ? `/${dir}` : start === "component" ? `${dir ? `/${dir}` : ""}**/` : `${dir ? `/${dir}` : ""}**/*`;
  globs = globs.map((g) => (lead + g).replace(/\/\*\*\/\*\*/g, "/**").replace(/^\*\*\/\*\*/, "**"));
  const unique = [...new Set(globs)];
  return unique.length > MAX_GLOBS || unique.some((g) => /\s/.test(g)) ? null : unique;
}

/** The block of attribute lines for these patterns. */
export function renderBlock(patterns: readonly string[]): string {
  return [BLOCK_START, ...patterns.map((p) => `${p} ${ATTRIBUTES}`), BLOCK_END].join("\n") + "\n";
}

/** `existing` with our block replaced (or appended when there is none). */
export function replaceBlock(existing: string, block: string): string {
  const start = existing.indexOf(BLOCK_START);
  const end = existing.indexOf(BLOCK_END);
  if (start >= 0 && end > start) {
    const after = existing.slice(end + BLOCK_END.length).replace(/^\r?\n/, "");
    return existing.slice(0, start) + block + after;
  }
  const sep = existing === "" || existing.endsWith("\n") ? "" : "\n";
  return existing + sep + block;
}

/** Quotes a path for a `.gitattributes` line when it needs it (spaces, quotes, glob characters). */
export function literalPattern(path: string): string | null {
  if (/[\s"\\]/.test(path)) return null;
  return "/" + path.replace(/[*?[\]!]/g, (c) => `\\${c}`);
}
