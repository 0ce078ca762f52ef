/**
 * Go's net/url decoding, so that the server accepts or refuses a request's path and form body
 * exactly when Vault's Go server would: the path as `URL.Path` is unescaped from the request line
 * (a bad escape fails the whole request in net/http), and `url.ParseQuery`, which form bodies go
 * through (`r.ParseForm`). Unlike `URLSearchParams`, Go refuses
 * input: a `;` in a pair ("invalid semicolon separator in query", Go ≥ 1.17) and a `%` not followed
 * by two hex digits (`url.EscapeError`). Pairs are split on `&`, empty pairs skipped, `+` is a
 * space (QueryUnescape), and a failing pair is left out while the rest is still parsed (Go returns
 * both what parsed and the first error; Vault refuses the body on any error).
 */

export interface GoQuery {
  /** Each key's values, in order of appearance. */
  values: Map<string, string[]>;
  /** Whether Go would have returned an error. */
  failed: boolean;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Go's unescape: `%XX` is a byte (a `%` without two hex digits after it is an error: null), and in
 * a query `+` is a space. The bytes are read as UTF-8, an invalid sequence as U+FFFD (where Go
 * keeps the bytes; Vault's JSON encoder writes them as U+FFFD too). Unlike decodeURIComponent, an
 * escape that is not UTF-8 (`%ff`) is no error, as in Go.
 */
function unescape(s: string, query: boolean): string | null {
  if (!s.includes("%") && !(query && s.includes("+"))) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x25 /* % */) {
      const hex = raw.subarray(i + 1, i + 3).toString("latin1");
      if (!HEX.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(query && c === 0x2b /* + */ ? 0x20 : c);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Go's url.QueryUnescape; null where Go returns an error. */
export const goQueryUnescape = (s: string): string | null => unescape(s, true);

/** Go's url.PathUnescape, as `URL.Path` is decoded from the request line; null where Go refuses the URL. */
export const goPathUnescape = (s: string): string | null => unescape(s, false);

/** Go's url.ParseQuery of `query` (no leading `?`). */
export function parseGoQuery(query: string): GoQuery {
  const values = new Map<string, string[]>();
  let failed = false;
  for (const pair of query.split("&")) {
    if (pair.includes(";")) {
      failed = true;
      continue;
    }
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = goQueryUnescape(rawKey);
    const value = key === null ? null : goQueryUnescape(rawValue);
    if (key === null || value === null) {
      failed = true;
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { values, failed };
}
