import { formatForPath, loadStore } from "../files/format.js";
import { catFileBatch, git } from "./exec.js";
import type { Repo } from "./repo.js";
import { parseVersion } from "./versions.js";

/**
 * Which tracked files are secrets files: one `git grep` for the sops metadata of every format (YAML
 * `sops:`, JSON and binary `"sops":`, dotenv `sops_mac=`, INI `[sops]`), then each candidate parsed
 * to confirm it carries valid metadata. Nothing is decrypted.
 */

const METADATA_PATTERN = '^sops:|"sops"[[:space:]]*:|^sops_mac=|^\\[sops\\]';

/** Repo-relative paths of the secrets files in `rev` (default: the index). */
export async function trackedSecretFiles(repo: Repo, rev?: string): Promise<string[]> {
  const args = ["-c", "core.quotePath=false", "grep", "-l", "-z", "-I", "-E"];
  if (!rev) args.push("--cached");
  args.push("-e", METADATA_PATTERN);
  if (rev) args.push(rev);
  args.push("--");
  const r = await git(args, { cwd: repo.top, okCodes: [0, 1] });
  const names = r.stdout.toString("utf8").split("\0").filter(Boolean).map((n) => (rev && n.startsWith(`${rev}:`) ? n.slice(rev.length + 1) : n));
  const bodies = await catFileBatch(names.map((n) => `${rev ?? ""}:${n}`), { cwd: repo.top });
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const body = bodies[i];
    if (!body) continue;
    try {
      if (parseVersion(await loadStore(formatForPath(names[i]!)), body).metadata) out.push(names[i]!);
    } catch {
      // Not a secrets file after all (or a broken one: `secrets check` reports those).
    }
  }
  return out;
}
