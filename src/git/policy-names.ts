import path from "node:path";
import type { LoadedConfig } from "../policy/load.js";
import { catFileBatch, git } from "./exec.js";
import { workTreeTop, type Repo } from "./repo.js";

/**
 * Names of recipients the current `.sops.yaml` no longer names, from its git history: after
 * `access revoke bob` the policy has no `&bob` anchor, yet the audit, `git diff`'s textconv and
 * `secrets diff` still show bob's key (as a removed reader, in old versions). The name a recipient
 * had in the newest version of the policy that named it is the one returned.
 *
 * Only the recipients asked about are looked up, and only when the current policy does not name
 * them, so the common case (everyone named) runs no git at all. The walk reads the policy file's
 * own commits on HEAD (`git log -- .sops.yaml`), at most HISTORY_LIMIT of them, in one
 * `git cat-file --batch`. Anything that fails (no repository, a policy outside it, a version that
 * does not parse) gives fewer names, never an error: a name is a convenience, the key is the fact.
 */

/** How many past versions of the policy are read at most. */
const HISTORY_LIMIT = 500;

/** The current names, plus names from the policy's history for `wanted` recipients it does not name. */
export async function namesWithHistory(config: LoadedConfig | null | undefined, wanted: Iterable<string>, repo?: Repo): Promise<ReadonlyMap<string, string>> {
  const current = config?.recipientNames ?? new Map<string, string>();
  const missing = new Set([...wanted].filter((r) => !current.has(r)));
  if (!config || missing.size === 0) return current;
  const found = await historicalNames(config.path, missing, repo).catch(() => new Map<string, string>());
  if (found.size === 0) return current;
  return new Map([...current, ...found]);
}

async function historicalNames(configPath: string, missing: Set<string>, repo?: Repo): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const top = repo?.top ?? (await workTreeTop(path.dirname(configPath)));
  if (!top) return out;
  const rel = path.relative(top, configPath).split(path.sep).join("/");
  if (rel.startsWith("..") || path.isAbsolute(rel)) return out;
  const log = await git(["log", `--max-count=${HISTORY_LIMIT}`, "--format=%H", "HEAD", "--", rel], { cwd: top, via: repo?.via, okCodes: [0, 128] });
  const commits = log.stdout.toString("utf8").split("\n").filter(Boolean);
  if (!commits.length) return out;
  const bodies = await catFileBatch(commits.map((c) => `${c}:${rel}`), { cwd: top, via: repo?.via });
  const [{ parseDocument }, { anchorNames }] = await Promise.all([import("yaml"), import("../policy/labels.js")]);
  const seen = new Set<string>();
  for (const body of bodies) {
    if (!body) continue;
    const text = body.toString("utf8");
    if (seen.has(text)) continue;
    seen.add(text);
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length) continue;
    for (const [recipient, name] of anchorNames(doc).recipientNames) {
      if (missing.has(recipient) && !out.has(recipient)) out.set(recipient, name);
    }
    if (out.size === missing.size) break;
  }
  return out;
}
