/**
 * Which entries of a `.env` (or JSON/YAML config) are secrets. An entry is sensitive when its name
 * says so or its value looks like a credential; everything else (LOG_LEVEL, ENVIRONMENT, WORKERS…)
 * stays where it is. The reason is a fixed phrase: it never quotes the value.
 *
 * By name (any key on the path, split into words at `_`, `-`, `.` and camelCase):
 *   a word SECRET(S), TOKEN(S), PASSWORD, PASSWD, PASSPHRASE, PWD, PASS, DSN, CREDENTIAL(S), APIKEY,
 *   PRIVATE, SALT; a last word KEY (`API_KEY`, `JWT_SECRET_KEY`); PASSWORD or SECRET inside a word.
 * By value (strings only):
 *   whatever `secrets check --staged` refuses in a plaintext file (util/credentials.ts: a URL with a
 *   password or a key, `postgres://user:pw@host`, `https://<key>@sentry.io/1`; a private key block;
 *   well-known tokens), so the two never disagree about a value; and, broader, a JWT, any PEM block,
 *   a token with a well-known prefix (sk-, sk_live_, ghp_, github_pat_, xoxb-, AKIA…, AIza…, glpat-…),
 *   or a long random-looking token (20+ characters mixing upper case, lower case and digits).
 */

import { credentialKinds } from "../util/credentials.js";

export interface Classification {
  sensitive: boolean;
  /** Why it is sensitive (names the rule, never the value); empty when it is not. */
  reason: string;
}

const SECRET_WORDS = new Set([
  "SECRET", "SECRETS", "TOKEN", "TOKENS", "PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "PWD", "PASS",
  "DSN", "CREDENTIAL", "CREDENTIALS", "CREDS", "APIKEY", "PRIVATE", "SALT",
]);

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toUpperCase());
}

export function classifyName(name: string): string | undefined {
  const words = nameWords(name);
  const hit = words.find((w) => SECRET_WORDS.has(w));
  if (hit) return `name contains ${hit}`;
  if (words.length && words[words.length - 1] === "KEY") return "name ends in KEY";
  const upper = name.toUpperCase();
  if (upper.includes("PASSWORD")) return "name contains PASSWORD";
  if (upper.includes("SECRET")) return "name contains SECRET";
  return undefined;
}

const KNOWN_TOKENS: ReadonlyArray<[RegExp, string]> = [
  [/^-----BEGIN [A-Z0-9 ]+-----/m, "value is a PEM block"],
  [/^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, "value is a JWT"],
  [/^(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}$/, "value looks like an API key"],
  [/^sk-[A-Za-z0-9_-]{8,}$/, "value looks like an API key"],
  [/^(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$/, "value looks like a GitHub token"],
  [/^github_pat_[A-Za-z0-9_]{20,}$/, "value looks like a GitHub token"],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, "value looks like a Slack token"],
  [/^(?:AKIA|ASIA)[0-9A-Z]{16}$/, "value looks like an AWS access key"],
  [/^AIza[0-9A-Za-z_-]{30,}$/, "value looks like a Google API key"],
  [/^glpat-[A-Za-z0-9_-]{20,}$/, "value looks like a GitLab token"],
  [/^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, "value looks like an API key"],
  [/^(?:npm|hf|shpat|shpss|dop_v1)_[A-Za-z0-9_]{20,}$/, "value looks like an API key"],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entropyPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function classifyValue(value: string): string | undefined {
  const v = value.trim();
  const found = credentialKinds(v)[0];
  if (found) return `value looks like ${found}`;
  for (const [re, reason] of KNOWN_TOKENS) if (re.test(v)) return reason;
  if (v.length >= 20 && /^[A-Za-z0-9+/=_-]+$/.test(v) && !UUID.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v) && entropyPerChar(v) >= 3.5) {
    return "value looks like a random token";
  }
  return undefined;
}

/** Classifies one entry: `keyPath` is its name (or nested path), `value` its text when it is a string. */
export function classify(keyPath: readonly string[], value: string | undefined): Classification {
  for (const k of keyPath) {
    const r = classifyName(k);
    if (r) return { sensitive: true, reason: r };
  }
  const r = value === undefined ? undefined : classifyValue(value);
  return r ? { sensitive: true, reason: r } : { sensitive: false, reason: "" };
}
