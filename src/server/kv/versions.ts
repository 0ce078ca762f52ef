import { fileHistory, type CommitInfo, type FileChange } from "../../git/history.js";
import type { Repo } from "../../git/repo.js";
import type { KvConfig, SecretKvMetadata } from "./metadata-file.js";
import { deepFreeze } from "../../util/deep-freeze.js";
import { vaultTime } from "./time.js";

/**
 * The versions of a KV version 2 secret, read from git: every commit that changed the secret's file
 * is a version, numbered from 1, oldest first. A commit that removed the file is not a version: it
 * deletes the version that was current (Vault's soft delete of the latest version), and a later
 * commit that puts back that same blob is its undelete, not a new version (the server's `undelete`
 * restores the file that way). Deletions of other versions, undeletes of them and destroys are
 * recorded in the mount's metadata file (metadata-file.ts) and applied here.
 *
 * Renames are not followed (`fileHistory` walks with `--no-renames`): a Vault path never moves, so a
 * file moved in git is a new secret at its new path, starting again from version 1, and the old
 * path's history ends with a deletion. Following renames would also make the versions of a path
 * depend on git's similarity guess.
 *
 * Times are the commits' author dates (git keeps them through rebase and cherry-pick, so they say
 * when the value was written; the server's own commits have author date = commit date).
 */

/** Attribution in types.proto: who made a change (path_metadata.go `created_by`, `deleted_by`). */
export interface Attribution {
  /** The commit's author name (the token's display name for the server's own writes). */
  actor: string;
  /** The logical operation Vault records: `create` (no version existed), `update`, `delete`. */
  operation: "create" | "update" | "delete";
}

export interface KvVersion {
  version: number;
  /** The commit that created this version. */
  commit: string;
  /** The file's blob at that commit. */
  blob: string;
  createdTime: string;
  createdBy: Attribution;
  /** "" when not deleted; else when, in the KV plugin's format. */
  deletionTime: string;
  deletedBy: Attribution | null;
  destroyed: boolean;
}

export interface KvHistory {
  /** Versions still kept (`max_versions`), oldest first; `versions[i].version` is not always i + 1. */
  versions: KvVersion[];
  /** The newest version's number; 0 when the file never existed. */
  currentVersion: number;
  /** Vault's `oldest_version`: 0 until `max_versions` first dropped one (see {@link windowStart}). */
  oldestVersion: number;
  /** The first version's created time ("" without versions): Vault's key `created_time`. */
  createdTime: string;
  /** The newest version's created time: Vault's `updated_time` (a delete leaves it). */
  updatedTime: string;
  /** The last change of any kind (version, removal), for Vault's `last_updated_by`. */
  lastUpdatedBy: Attribution | null;
  /** Whether the commit the history was read at holds the file (its last change did not remove it). */
  present: boolean;
}

export interface KvVersionsOptions {
  /** The secret's record in the mount's metadata file. */
  metadata?: SecretKvMetadata;
  /** The mount's config. */
  config?: KvConfig;
  /** Read history from this revision (default HEAD). */
  rev?: string;
}

/** path_data.go AddVersion: keep this many when neither the key nor the mount sets a limit. */
export const DEFAULT_MAX_VERSIONS = 10;

/** The versions of `file` (repo-relative, `/`-separated). Nothing is decrypted. */
export async function kvVersions(repo: Repo, file: string, opts: KvVersionsOptions = {}): Promise<KvHistory> {
  // After a metadata delete, only the commits since it are versions (metadata-file.ts `versions_after`).
  const after = opts.metadata?.versions_after;
  const history = await fileHistory(repo, [file], { ...(opts.rev !== undefined ? { rev: opts.rev } : {}), ...(after !== undefined ? { after } : {}) });
  return versionsFromHistory(history.filter((c) => c.path === file).reverse(), opts);
}

const by = (commit: CommitInfo, operation: Attribution["operation"]): Attribution => ({ actor: commit.author, operation });

/**
 * `versionsFromHistory` for a frozen list of changes (the history cache's), made once per list and
 * metadata: the server asks it on every request of a secret whose history has not changed. A memo
 * of a pure function (architecture rule 1), weakly held; the model it returns is frozen.
 */
export function versionsFromHistoryOnce(changes: readonly FileChange[], opts: Pick<KvVersionsOptions, "metadata" | "config"> = {}): KvHistory {
  if (!Object.isFrozen(changes)) return versionsFromHistory(changes, opts);
  const key = `${JSON.stringify(opts.metadata ?? {})}\n${JSON.stringify(opts.config ?? {})}`;
  const seen = MODELS.get(changes);
  if (seen?.key === key) return seen.history;
  const history = deepFreeze(versionsFromHistory(changes, opts));
  MODELS.set(changes, { key, history });
  return history;
}

const MODELS = new WeakMap<readonly FileChange[], { key: string; history: KvHistory }>();

/** The model over a file's changes, oldest first. Exported for tests of the rules alone. */
export function versionsFromHistory(changes: readonly FileChange[], opts: Pick<KvVersionsOptions, "metadata" | "config"> = {}): KvHistory {
  const all: KvVersion[] = [];
  let lastUpdatedBy: Attribution | null = null;
  for (const change of changes) {
    const current = all.at(-1);
    if (change.after === null) {
      // A removal deletes the current version, unless it was already deleted.
      if (current && current.deletionTime === "") {
        current.deletionTime = vaultTime(change.commit.date);
        current.deletedBy = by(change.commit, "delete");
        lastUpdatedBy = current.deletedBy;
      }
      continue;
    }
    if (current && current.deletedBy !== null && current.blob === change.after && change.before.every((b) => b === null)) {
      // The deleted version's own blob put back: its undelete.
      current.deletionTime = "";
      current.deletedBy = null;
      lastUpdatedBy = by(change.commit, "update");
      continue;
    }
    // Vault's existence check: a write is `create` only while the key has no metadata at all.
    const createdBy = by(change.commit, current === undefined ? "create" : "update");
    all.push({
      version: all.length + 1,
      commit: change.commit.id,
      blob: change.after,
      createdTime: vaultTime(change.commit.date),
      createdBy,
      deletionTime: "",
      deletedBy: null,
      destroyed: false,
    });
    lastUpdatedBy = createdBy;
  }
  for (const v of all) applyOverride(v, opts.metadata);

  const currentVersion = all.length;
  const oldestVersion = windowStart(currentVersion, effectiveMaxVersions(opts.metadata, opts.config));
  return {
    versions: all.filter((v) => v.version >= oldestVersion),
    currentVersion,
    oldestVersion,
    createdTime: all[0]?.createdTime ?? opts.metadata?.created_time ?? "",
    updatedTime: all.at(-1)?.createdTime ?? opts.metadata?.created_time ?? "",
    lastUpdatedBy,
    present: (changes.at(-1)?.after ?? null) !== null,
  };
}

function applyOverride(v: KvVersion, metadata: SecretKvMetadata | undefined): void {
  const o = metadata?.versions?.[v.commit];
  if (!o) return;
  if (o.deletion_time !== undefined && o.deletion_time !== v.deletionTime) {
    v.deletionTime = o.deletion_time;
    // Who deleted it is in the commit that recorded it, which this model does not read.
    if (o.deletion_time === "") v.deletedBy = null;
  }
  if (o.destroyed) v.destroyed = true;
}

/**
 * path_data.go AddVersion: the limit is the larger of the key's and the mount's `max_versions`, or
 * 10 when both are 0.
 */
export function effectiveMaxVersions(metadata: SecretKvMetadata | undefined, config: KvConfig | undefined): number {
  const m = Math.max(metadata?.max_versions ?? 0, config?.max_versions ?? 0);
  return m > 0 ? m : DEFAULT_MAX_VERSIONS;
}

/**
 * Vault's `oldest_version` after `current` writes under a limit of `max`: AddVersion starts it at 0
 * and, once `current - oldest >= max`, moves it to `current - max + 1`. Vault applies a lowered limit
 * at the next write; this model applies the limit in force now to the whole history (git keeps the
 * dropped versions anyway; they are only no longer served).
 */
export function windowStart(current: number, max: number): number {
  return current >= max ? current - max + 1 : 0;
}
