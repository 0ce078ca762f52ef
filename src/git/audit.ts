import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath, loadStore } from "../files/format.js";
import type { LoadedConfig } from "../policy/load.js";
import { closedSide, diffVersions, mergeChanges, type ChangeKind } from "./changes.js";
import { catFileBatch } from "./exec.js";
import { namesWithHistory } from "./policy-names.js";
import { fileHistory, readBlobs, type CommitInfo, type FileChange } from "./history.js";
import { versionCache } from "./sides.js";
import { trackedSecretFiles } from "./discover.js";
import type { Repo } from "./repo.js";
import { recipientGroups, type Version } from "./versions.js";

/**
 * `secrets audit`: for each secret of each secrets file, when it changed and by whom, and who could
 * read it: the file's recipients at that commit (what actually grants access), next to what the
 * `.sops.yaml` of that commit asked for (the policy), with drift between the two flagged. Read from
 * one history walk and two `git cat-file --batch` calls; nothing is decrypted.
 *
 * "Could have read the current value" is the union of the readers of every version since the value
 * was last set: a recipient removed later without the value being changed still knew it.
 */

export interface Reader {
  recipient: string;
  /** The `.sops.yaml` anchor naming it (at that commit, else now), if any. */
  name?: string;
}

export interface AuditEvent {
  commit: CommitInfo;
  kind: ChangeKind;
  /** Recipients of the file after the commit (before it, for a removal). */
  readers: Reader[];
}

export interface AuditSecret {
  path: string;
  /** Oldest first. */
  events: AuditEvent[];
  /** Null when the secret no longer exists. */
  exposedTo: Reader[] | null;
}

export interface AccessChange {
  commit: CommitInfo;
  readers: Reader[];
  added: Reader[];
  removed: Reader[];
  /** The data key changed in this commit (all values re-encrypted). */
  rotated: boolean;
  /** Recipients the `.sops.yaml` rule of that commit gives the file; null without a config or rule. */
  policy: Reader[] | null;
}

export interface AuditFile {
  file: string;
  access: AccessChange[];
  secrets: AuditSecret[];
}

export interface AuditReport {
  head: string | null;
  since?: string;
  files: AuditFile[];
}

export interface AuditOptions {
  since?: string;
  /** Repo-relative files (default: every tracked secrets file at HEAD). */
  files?: string[];
  /** The current `.sops.yaml` (names for recipients, and its location for older versions). */
  config: LoadedConfig | null;
}

interface PolicyAt {
  names: ReadonlyMap<string, string>;
  recipientsFor(file: string): string[] | null;
}

export async function audit(repo: Repo, opts: AuditOptions): Promise<AuditReport> {
  const files = opts.files ?? (await trackedSecretFiles(repo, "HEAD").catch(() => []));
  const history = await fileHistory(repo, files, { since: opts.since });
  const blobs = await readBlobs(repo, history.flatMap((c) => [c.after, ...c.before]));
  const policies = await policiesAt(repo, [...new Set(history.map((c) => c.commit.id))], opts.config);
  const currentNames = opts.config?.recipientNames ?? new Map<string, string>();

  const out: AuditFile[] = [];
  for (const file of files) {
    const changes = history.filter((c) => c.path === file).reverse(); // oldest first
    const store = await loadStore(formatForPath(file));
    out.push(auditFile(file, changes, versionCache(store, blobs), policies, currentNames));
  }
  await nameFromHistory(out, repo, opts.config);
  return { head: history[0]?.commit.id ?? null, since: opts.since, files: out };
}

/**
 * Names readers neither the policy of their commit nor the current one names (a revoked recipient,
 * whose anchor went with it) from the policy's history, so a removal reads "bob", not a key.
 */
async function nameFromHistory(files: AuditFile[], repo: Repo, config: LoadedConfig | null): Promise<void> {
  const unnamed: Reader[] = [];
  for (const f of files) {
    for (const a of f.access) unnamed.push(...a.readers, ...a.added, ...a.removed, ...(a.policy ?? []));
    for (const s of f.secrets) unnamed.push(...s.events.flatMap((e) => e.readers), ...(s.exposedTo ?? []));
  }
  const wanted = new Set(unnamed.filter((r) => r.name === undefined).map((r) => r.recipient));
  if (!wanted.size) return;
  const names = await namesWithHistory(config, wanted, repo);
  for (const r of unnamed) if (r.name === undefined && names.has(r.recipient)) r.name = names.get(r.recipient);
}

function auditFile(
  file: string,
  changes: FileChange[],
  version: (id: string | null) => Version | null,
  policies: Map<string, PolicyAt | null>,
  currentNames: ReadonlyMap<string, string>,
): AuditFile {
  const secrets = new Map<string, AuditSecret>();
  const exposure = new Map<string, Set<string>>();
  const access: AccessChange[] = [];
  let lastReaders: string[] | null = null;

  for (const change of changes) {
    const policy = policies.get(change.commit.id) ?? null;
    const reader = (r: string): Reader => {
      const name = policy?.names.get(r) ?? currentNames.get(r);
      return name ? { recipient: r, name } : { recipient: r };
    };
    const after = version(change.after);
    const before = change.before.map(version);
    const recipients = (v: Version | null | undefined) => (v?.metadata ? [...new Set(recipientGroups(v.metadata).flat())] : null);
    const readersAfter = recipients(after);

    const diffs = before.map((b) => diffVersions(closedSide(b), closedSide(after)));
    const keyChanges = diffs.length > 1 ? mergeChanges(diffs) : (diffs[0]?.changes ?? []);
    const rotated = diffs.length > 0 && diffs.every((d) => d.rekeyed);

    if (readersAfter && (lastReaders === null || !sameSet(readersAfter, lastReaders) || rotated)) {
      const prev = new Set(lastReaders ?? []);
      const now = new Set(readersAfter);
      const policyRecipients = policy?.recipientsFor(file) ?? null;
      access.push({
        commit: change.commit,
        readers: readersAfter.map(reader),
        added: readersAfter.filter((r) => !prev.has(r)).map(reader),
        removed: [...prev].filter((r) => !now.has(r)).map(reader),
        rotated,
        policy: policyRecipients ? policyRecipients.map(reader) : null,
      });
    }

    const reset = new Set<string>();
    for (const c of keyChanges) {
      const readers = c.kind === "removed" ? recipients(before[0]) : readersAfter;
      let s = secrets.get(c.path);
      if (!s) secrets.set(c.path, (s = { path: c.path, events: [], exposedTo: null }));
      s.events.push({ commit: change.commit, kind: c.kind, readers: (readers ?? []).map(reader) });
      // A re-encrypted value may be unchanged: its earlier readers are kept (the safe assumption).
      if (c.kind === "removed") exposure.delete(c.path);
      else if (c.kind !== "re-encrypted") {
        exposure.set(c.path, new Set(readersAfter ?? []));
        reset.add(c.path);
      }
    }
    // Values this commit did not set stay readable by their earlier readers, and now by these too.
    for (const p of after?.leaves.keys() ?? []) {
      if (reset.has(p)) continue;
      let e = exposure.get(p);
      if (!e) exposure.set(p, (e = new Set()));
      for (const r of readersAfter ?? []) e.add(r);
    }
    if (change.after === null) exposure.clear();
    if (readersAfter) lastReaders = readersAfter;
  }

  const names = (r: string): Reader => {
    const name = currentNames.get(r);
    return name ? { recipient: r, name } : { recipient: r };
  };
  for (const s of secrets.values()) {
    const e = exposure.get(s.path);
    s.exposedTo = e ? [...e].map(names) : null;
  }
  return { file, access, secrets: [...secrets.values()] };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The `.sops.yaml` of each commit, read through one `git cat-file --batch`. */
async function policiesAt(repo: Repo, commits: string[], current: LoadedConfig | null): Promise<Map<string, PolicyAt | null>> {
  const out = new Map<string, PolicyAt | null>();
  if (!current || !commits.length) return out;
  const rel = path.relative(repo.top, current.path).split(path.sep).join("/");
  if (rel.startsWith("..")) return out;
  const bodies = await catFileBatch(commits.map((c) => `${c}:${rel}`), { cwd: repo.top });
  const [{ parseConfig }, { matchRule }] = await Promise.all([import("../policy/load.js"), import("../policy/match.js")]);
  const parsed = new Map<string, PolicyAt | null>();
  commits.forEach((c, i) => {
    const body = bodies[i];
    if (!body) return void out.set(c, null);
    const text = body.toString("utf8");
    if (!parsed.has(text)) {
      let p: PolicyAt | null = null;
      try {
        const cfg = parseConfig(text, current.path);
        p = {
          names: cfg.recipientNames,
          recipientsFor(file) {
            try {
              const rule = matchRule(cfg, cfg.dir, path.join(repo.top, file), { requireKeys: false, requireMatch: false });
              return rule ? [...new Set(rule.keyGroups.flatMap((g) => g.age))] : null;
            } catch (e) {
              if (e instanceof SecretsError) return null;
              throw e;
            }
          },
        };
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
      }
      parsed.set(text, p);
    }
    out.set(c, parsed.get(text)!);
  });
  return out;
}
