/**
 * Near-certain credentials in text: private key blocks, well-known token formats, URLs carrying a
 * password. One list for the two places that look for them, so they cannot disagree: `secrets check
 * --staged` (git/scan.ts, line by line over staged plaintext files) and `secrets import`
 * (dotenv-import/classify.ts, per value, which adds broader heuristics of its own on top). Results
 * are fixed phrases: they never quote the text.
 */

const DETECTORS: ReadonlyArray<{ kind: string; re: RegExp; keysOnly?: boolean }> = [
  { kind: "a private key block", re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, keysOnly: true },
  { kind: "an age secret key", re: /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}/, keysOnly: true },
  { kind: "an API key (sk-…)", re: /(?<![A-Za-z0-9_-])sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/ },
  { kind: "a GitHub token", re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { kind: "a GitLab token", re: /(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20,}/ },
  { kind: "a Slack token", re: /(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: "an AWS access key id", re: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])/ },
  { kind: "a Stripe live key", re: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{16,}/ },
  { kind: "a Google API key", re: /(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35}/ },
];

// scheme://user:password@host, or scheme://key@host. The userinfo stops at `/` or `@` (a password
// may hold an unescaped `?` or `#` in practice); quotes and angle brackets end it too, so a URL inside
// YAML or XML is cut where it ends.
const urlUserinfo = /[a-z][a-z0-9+.-]*:\/\/([^\s/@"'<>]+)@[^\s@/"'<>]/gi;

/**
 * Passwords that are templates or masks, not credentials: `${DB_PASSWORD}`, `$(cat f)`, `{{ .pw }}`,
 * `<password>`, `%s`, `***`, `xxx`, `...`. A literal `pass` or `password` is a (weak) password, and
 * is flagged like any other.
 */
const placeholder = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)]*\)|\{\{.*\}\}|<[^>]*>|%[sv]|\*+|x+|\.\.\.|…|redacted|your[-_]?password|\$\{[^}]*\})$/i;

/** A user part with no password that is itself a key (Sentry DSNs): long and token-like, not a login name. */
const keyLikeUser = /^[A-Za-z0-9_-]{16,}$/;

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The kind of the first URL in `text` that carries a credential, if any. */
export function urlCredential(text: string): string | undefined {
  for (const m of text.matchAll(urlUserinfo)) {
    const userinfo = m[1]!;
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
      const password = decodeSafe(userinfo.slice(colon + 1));
      if (password !== "" && !placeholder.test(password)) return "a URL with a password";
    } else if (keyLikeUser.test(userinfo)) {
      return "a URL with a key";
    }
  }
  return undefined;
}

/** The kinds of credential found in `text` (one line, or one value), in a fixed order. */
export function credentialKinds(text: string, opts: { keysOnly?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const d of DETECTORS) {
    if (opts.keysOnly && !d.keysOnly) continue;
    if (d.re.test(text)) out.push(d.kind);
  }
  if (!opts.keysOnly) {
    const url = urlCredential(text);
    if (url) out.push(url);
  }
  return out;
}
