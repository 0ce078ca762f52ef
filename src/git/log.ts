import type { KeySource } from "../sops/keysource.js";
import { formatTreePath, parseTreePath } from "../sops/path.js";
import type { Store } from "../sops/stores/store.js";
import { diffVersions, mergeChanges, type ChangeKind, type Side } from "./changes.js";
import { fileHistory, readBlobs, type CommitInfo } from "./history.js";
import { leaves, underPath, type Leaf } from "./leaves.js";
import type { Repo } from "./repo.js";
import { showValue } from "./values.js";
import { sideMaker, versionCache } from "./sides.js";
import { Opener, type Version } from "./versions.js";

/**
 * `secrets log`: per secret (leaf), the commits that added, changed or removed it. Read from one
 * history walk; nothing is decrypted unless values were asked for.
 */

export interface SecretEvent {
  commit: CommitInfo;
  kind: ChangeKind;
  /** With `values`: the value after the commit (rendered), or null when that version cannot be decrypted. */
  value?: string | null;
}

export interface SecretHistory {
  path: string;
  /** Newest first. */
  events: SecretEvent[];
}

export interface FileLog {
  file: string;
  secrets: SecretHistory[];
}

export interface LogOptions {
  /** Only this secret, or the secrets under this path (`["db"]` or `db`). */
  path?: string;
  /** Decrypt versions (where the key source can) to show values and compare across data key changes. */
  values?: boolean;
  keys?: KeySource;
  since?: string;
}

export async function secretLog(repo: Repo, file: string, store: Store, opts: LogOptions = {}): Promise<FileLog> {
  const prefix = opts.path !== undefined ? formatTreePath(parseTreePath(opts.path)) : undefined;
  const history = await fileHistory(repo, [file], { since: opts.since });
  const blobs = await readBlobs(repo, history.flatMap((c) => [c.after, ...c.before]));
  const version = versionCache(store, blobs);
  const side = sideMaker(opts.values && opts.keys ? new Opener(opts.keys) : null);

  const byPath = new Map<string, SecretEvent[]>();
  for (const change of history) {
    const after = await side(version(change.after));
    const diffs = await Promise.all(change.before.map(async (b) => diffVersions(await side(version(b)), after)));
    const changes = change.before.length > 1 ? mergeChanges(diffs) : (diffs[0]?.changes ?? []);
    for (const c of changes) {
      if (prefix !== undefined && !underPath(c.path, prefix)) continue;
      const event: SecretEvent = { commit: change.commit, kind: c.kind };
      if (opts.values) event.value = valueAfter(c.kind, after, c.path);
      let list = byPath.get(c.path);
      if (!list) byPath.set(c.path, (list = []));
      list.push(event);
    }
  }
  return { file, secrets: order(byPath, version(history[0]?.after ?? null)) };
}

function valueAfter(kind: ChangeKind, after: Side, path: string): string | null | undefined {
  if (kind === "removed") return undefined;
  if (!after.open) return null;
  let m = leafValues.get(after);
  if (!m) leafValues.set(after, (m = leaves(after.open.branches)));
  return showValue(m.get(path)?.value);
}

/** Leaves of each decrypted side, computed once per side. */
const leafValues = new WeakMap<Side, Map<string, Leaf>>();

/** Secrets that exist now first, in file order; then removed ones, most recently removed first. */
function order(byPath: Map<string, SecretEvent[]>, latest: Version | null): SecretHistory[] {
  const position = new Map<string, number>();
  let i = 0;
  for (const p of latest?.leaves.keys() ?? []) position.set(p, i++);
  const out = [...byPath].map(([path, events]) => ({ path, events }));
  const rank = (s: SecretHistory) => position.get(s.path) ?? Number.MAX_SAFE_INTEGER;
  // Array.prototype.sort is stable: removed secrets keep their newest-first order.
  return out.sort((a, b) => rank(a) - rank(b));
}
