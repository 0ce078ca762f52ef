/**
 * Obvious secrets in plaintext files: private key blocks, well-known token formats, URLs with a
 * password. Only what is near-certainly a secret, so the pre-commit check can refuse without
 * crying wolf. Findings name a kind and a line, never the text. A line containing
 * `secrets-check: allow` is skipped (for documentation examples and test fixtures).
 */

export interface Finding {
  line: number;
  kind: string;
}

const detectors: Array<{ kind: string; re: RegExp; keysOnly?: boolean }> = [
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

// scheme://user:password@host: the password part is checked against placeholders below.
const urlPassword = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>]*:([^\s/@"'<>]+)@[^\s@/]/gi;
const placeholder = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)]*\)|\{\{.*\}\}|<[^>]*>|%[sv]|\*+|x+|\.\.\.|…|pass(?:word)?|secret|changeme|example|redacted|your[-_]?password|\$\{[^}]*\})$/i;

const ALLOW = "secrets-check: allow";

export function scanText(text: string, opts: { keysOnly?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.includes(ALLOW)) return;
    for (const d of detectors) {
      if (opts.keysOnly && !d.keysOnly) continue;
      if (d.re.test(line)) out.push({ line: i + 1, kind: d.kind });
    }
    if (opts.keysOnly) return;
    for (const m of line.matchAll(urlPassword)) {
      if (!placeholder.test(decodeURIComponentSafe(m[1]!))) {
        out.push({ line: i + 1, kind: "a URL with a password" });
        break;
      }
    }
  });
  return out;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const CONFIG_EXT = /\.(?:ya?ml|json|jsonc|toml|ini|conf|cfg|config|cnf|properties|xml|tf|tfvars|hcl|env)$/i;
const CONFIG_NAMES = new Set([".npmrc", ".pypirc", ".netrc", ".dockercfg", "credentials", ".yarnrc", ".yarnrc.yml", ".s3cfg", ".pgpass"]);
const KEY_FILE = /(?:\.pem|\.key|\.p8|^id_(?:rsa|dsa|ecdsa|ed25519)|^keys\.txt)$/i;

/**
 * Which staged files are scanned, and for what: `.env` files and config files for everything; key
 * files (`*.pem`, `id_rsa`, …) for private keys. Other files (code, docs) are not scanned.
 */
export function scanScope(path: string): "all" | "keys" | null {
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (base === ".env" || base.startsWith(".env.") || CONFIG_EXT.test(base) || CONFIG_NAMES.has(base)) return "all";
  if (KEY_FILE.test(base)) return "keys";
  return null;
}
