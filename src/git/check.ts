import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath, loadStore } from "../files/format.js";
import { isEncryptedValue, parseEncryptedValue, type ValueCipher } from "../sops/cipher.js";
import { encryptBranches, macAad } from "../sops/crypt.js";
import type { LoadedConfig } from "../policy/load.js";
import type { Metadata } from "../sops/metadata.js";
import type { Store } from "../sops/stores/store.js";
import type { Branch, Value } from "../sops/tree.js";
import { catFileBatch, git } from "./exec.js";
import { findMarkers } from "./merge-tree.js";
import type { Repo } from "./repo.js";
import { scanScope, scanText } from "./scan.js";
import { parseVersion, type Version } from "./versions.js";

/**
 * `secrets check --staged`: what is about to be committed, read from the index (not the work tree),
 * without any key. Refused:
 * - a plaintext file that a `.sops.yaml` rule with a `path_regex` covers;
 * - a secrets file whose metadata is broken, whose values are malformed or in clear where its own
 *   encryption rule wants them encrypted, or that still holds merge conflict markers;
 * - an obvious secret (private key, well-known token, URL with a password) in a plaintext `.env` or
 *   config file.
 * A catch-all rule (no `path_regex`) is a default for `encrypt`, not a claim that every file is a
 * secret, so it covers nothing here.
 */

export interface Problem {
  file: string;
  line?: number;
  message: string;
}

/** Files never required to be encrypted, whatever a rule's regex says. */
const NEVER_SECRET = new Set([".sops.yaml", ".gitattributes", ".gitignore"]);

export async function stagedFiles(repo: Repo): Promise<string[]> {
  const r = await git(["-c", "core.quotePath=false", "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMT"], { cwd: repo.top });
  return r.stdout.toString("utf8").split("\0").filter(Boolean);
}

export async function checkStaged(repo: Repo, config: LoadedConfig | null): Promise<{ problems: Problem[]; checked: number }> {
  const files = await stagedFiles(repo);
  // The staged version of each file, and the committed one (a secrets file staged decrypted is refused too).
  const all = await catFileBatch([...files.map((f) => `:${f}`), ...files.map((f) => `HEAD:${f}`)], { cwd: repo.top });
  const bodies = all.slice(0, files.length);
  const committed = all.slice(files.length);
  const problems: Problem[] = [];
  const matchRule = config ? (await import("../policy/match.js")).matchRule : null;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const body = bodies[i];
    if (!body) continue; // a submodule or a symlink to nowhere: nothing to read
    const base = file.slice(file.lastIndexOf("/") + 1);
    let covered: string | null = null;
    if (config && matchRule && !NEVER_SECRET.has(base)) {
      const rule = matchRule(config, config.dir, path.join(repo.top, file), { requireKeys: false, requireMatch: false });
      if (rule?.pathRegex) covered = `creation_rules[${rule.index}] (path_regex ${rule.pathRegex})`;
    }
    const add = (message: string, line?: number) => problems.push(line === undefined ? { file, message } : { file, line, message });

    const store = await loadStore(formatForPath(file));
    let version: Version | null = null;
    try {
      version = parseVersion(store, body);
    } catch (e) {
      if (!(e instanceof SecretsError)) throw e;
      if (covered) add(`not an encrypted file, but it matches ${covered}: encrypt it first (secrets encrypt -i ${file})`);
      else if (/^sops[:_[]|"sops"\s*:/m.test(body.toString("utf8"))) add(`broken sops file: ${e.message}`);
    }
    if (version?.metadata) {
      for (const m of brokenParts(version)) add(m);
      continue;
    }
    if (covered && version) add(`not an encrypted file, but it matches ${covered}: encrypt it first (secrets encrypt -i ${file})`);
    else if (!covered && version && wasEncrypted(store, committed[i])) add("encrypted in HEAD but staged in plaintext: encrypt it again (secrets encrypt -i FILE), or git rm it to drop it");
    const scope = scanScope(file);
    if (scope && !body.subarray(0, 8000).includes(0)) {
      for (const f of scanText(body.toString("utf8"), { keysOnly: scope === "keys" })) add(`looks like ${f.kind}; keep it in an encrypted secrets file`, f.line);
    }
  }
  return { problems, checked: files.length };
}

function wasEncrypted(store: Store, body: Buffer | null | undefined): boolean {
  if (!body) return false;
  try {
    return parseVersion(store, body).metadata !== null;
  } catch {
    return false;
  }
}

/** What is wrong with an encrypted file, read without a key (messages name paths, never values). */
export function brokenParts(v: Version): string[] {
  const out: string[] = [];
  const m = v.metadata!;
  if (!m.mac) out.push("sops metadata has no MAC");
  else {
    try {
      macAad(m.lastModified);
      parseEncryptedValue(m.mac, "sops.mac");
    } catch (e) {
      out.push(e instanceof SecretsError ? e.message : "sops metadata: malformed MAC");
    }
  }
  m.keyGroups.forEach((g) =>
    g.age.forEach((a) => {
      if (!/-----BEGIN AGE ENCRYPTED FILE-----[\s\S]+-----END AGE ENCRYPTED FILE-----/.test(a.enc)) out.push(`sops metadata: the key entry for ${a.recipient} is not an armored age file`);
    }),
  );
  for (const [p, leaf] of v.leaves) {
    if (isEncryptedValue(leaf.value)) {
      try {
        parseEncryptedValue(leaf.value, p);
      } catch (e) {
        out.push(e instanceof SecretsError ? e.message : `malformed encrypted value at ${p}`);
      }
    }
  }
  for (const p of clearValues(v.stored.branches, m)) out.push(`value at ${p} is in clear text but the file's encryption rule wants it encrypted`);
  const markers = findMarkers(v.stored.branches);
  if (markers.length) out.push(`unresolved merge conflict at ${markers.join(", ")}: resolve it with secrets edit`);
  return out;
}

/**
 * Values the file's own rule says must be encrypted but that are stored in clear (hand edits). The
 * encryption walk itself decides, through a probe in place of the cipher, so the rule's semantics
 * (suffixes, regexes, comment markers) are exactly sops'.
 */
function clearValues(branches: Branch[], m: Metadata): string[] {
  const found: string[] = [];
  const probe = {
    encrypt(value: Value, aad: string): string {
      const clear = !(typeof value === "string" && (value === "" || isEncryptedValue(value)));
      if (clear && !(value !== null && typeof value === "object" && "inline" in value)) found.push(aadToPath(aad));
      return "";
    },
  } as unknown as ValueCipher;
  try {
    encryptBranches(branches, probe, m);
  } catch {
    // A rule that cannot be evaluated (bad regex) is reported by parsing elsewhere.
  }
  return [...new Set(found)];
}

function aadToPath(aad: string): string {
  const parts = aad.split(":").slice(0, -1);
  return parts.map((k) => `[${JSON.stringify(k)}]`).join("") || "(top level)";
}
