import { credentialKinds } from "../util/credentials.js";

/**
 * Obvious secrets in plaintext files: private key blocks, well-known token formats, URLs with a
 * password (util/credentials.ts, the list `secrets import` classifies values with too). Only what is
 * near-certainly a secret, so the pre-commit check can refuse without crying wolf. Findings name a
 * kind and a line, never the text. A line containing `secrets-check: allow` is skipped (for
 * documentation examples and test fixtures).
 */

export interface Finding {
  line: number;
  kind: string;
}

const ALLOW = "secrets-check: allow";

export function scanText(text: string, opts: { keysOnly?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.includes(ALLOW)) return;
    for (const kind of credentialKinds(line, opts)) out.push({ line: i + 1, kind });
  });
  return out;
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
