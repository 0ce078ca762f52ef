import { promises as fsp } from "node:fs";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import { HeadReader } from "../../git/head.js";
import { objectId, type Repo } from "../../git/repo.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { confinedPath } from "../../io/confine.js";
import { LockSet, type LockOptions } from "../../io/lock.js";
import { parseSecretPath } from "../../secrets/path.js";
import { NEW_FILE_EXTENSION, soleFileFor } from "../../secrets/resolve.js";
import { KvFileResolver, relativeSlash } from "../kv-files.js";
import type { KeySource } from "../../sops/keysource.js";
import type { CreationPolicy } from "../../workspace/creation.js";
import type { GitOperationMarks } from "../../git/stale-locks.js";
import { CommitQueue, type GitIdentity } from "./commit-queue.js";
import { WriteGate } from "./write-gate.js";
import { KvHistoryCache } from "./history-cache.js";
import { DecryptedVersions } from "./version-cache.js";
import { hasKeyMetadata, KV_METADATA_FILE, KvMetadataFiles, secretMetadata, type KvConfig, type KvMetadataFile, type SecretKvMetadata } from "./metadata-file.js";
import { readKvMetadataText, tidyRecord, withSecretRecord } from "./metadata-store.js";
import { kvVersions, versionsFromHistoryOnce, type KvHistory } from "./versions.js";

/**
 * What every KV version 2 write shares (docs/server.md, "KV version 2 over git"), and the steps
 * they are made of: find the secret's file, lock it, read its history and metadata under the lock,
 * change files, commit them.
 *
 * Durability: a write is acknowledged (its function returns) only after its commit. Every file
 * lock taken by a write is held until its commit is made, so a commit holds exactly that write's
 * change. When the commit fails, the files it would have held are put back as they were before
 * the write. When the process dies between writing the files and committing them, the change
 * stays uncommitted in the work tree and is never served (reads come from commits); the next
 * write of the same file replaces it, and the next edit of the mount's metadata file reads and
 * commits the file as it is, so either picks the change up.
 */

/**
 * The server's repository and what writes to it need, with the caches its reads share (a write
 * commits through the queue, which tells the history cache of each commit); one per repository,
 * no module state.
 */
export interface KvWriteContext {
  repo: Repo;
  /** How new files are encrypted (the `.sops.yaml` rule), the output indent, and the identity that re-encrypts: the server's Workspace. */
  workspace: CreationPolicy & { keys(): Promise<KeySource> };
  /** This repository's commits, one at a time. */
  commits: CommitQueue;
  /** This server's per-file write queues in front of the file locks shared with other processes. */
  locks: LockSet;
  /** Every write runs in its `shared` side; a fast-forward of the checkout in its `exclusive` one (write-gate.ts). */
  gate: WriteGate;
  /** Each file's history at HEAD (history-cache.ts): reads and writes ask it, never `git log` directly. */
  history: KvHistoryCache;
  /** Versions already decrypted, by blob (version-cache.ts). */
  versions: DecryptedVersions;
  /** The mounts' metadata files, parsed once per content (metadata-file.ts). */
  metadata: KvMetadataFiles;
  /** Which file a KV path names, remembered per folder (kv-files.ts). */
  files: KvFileResolver;
  /** The clock (tests fix it). */
  now?: () => Date;
  /**
   * Test seam: runs after a write's files are changed and before they are committed. A throw here
   * stands for the process dying at that point: the files are left as they are.
   */
  beforeCommit?: (paths: readonly string[]) => Promise<void>;
}

/** A context with a new commit queue, lock set, write gate and caches for `repo`: make one per repository and keep it. */
export function createKvWriteContext(opts: Pick<KvWriteContext, "repo" | "workspace" | "now" | "beforeCommit"> & { committer: GitIdentity; lock?: LockOptions; marks?: GitOperationMarks }): KvWriteContext {
  const { committer, lock, marks, ...rest } = opts;
  // One reader of HEAD for both: what the queue learns of a commit, the cache's next read finds.
  const head = new HeadReader(opts.repo);
  const history = new KvHistoryCache(opts.repo, { head });
  const commits = new CommitQueue(opts.repo.top, { committer, onCommit: (made, early) => history.committing(made, early), head, ...(opts.repo.via ? { via: opts.repo.via } : {}), ...(marks ? { marks } : {}) });
  return { ...rest, commits, locks: new LockSet(lock), gate: new WriteGate(), history, versions: new DecryptedVersions(), metadata: new KvMetadataFiles(), files: new KvFileResolver() };
}

/**
 * The versions of `file` (repo-relative) at HEAD (or at `head`, read from it a moment ago), from the
 * context's history cache. After a metadata delete (`versions_after`), only the commits since the
 * marker are versions: that rare case asks git for the range instead of the cache.
 */
export async function versionsOf(ctx: Pick<KvWriteContext, "history" | "repo">, file: string, opts: { metadata?: SecretKvMetadata; config?: KvConfig } = {}, head?: string | null): Promise<KvHistory> {
  if (opts.metadata?.versions_after !== undefined) return kvVersions(ctx.repo, file, { ...opts, ...(head ? { rev: head } : {}) });
  return versionsFromHistoryOnce(await (head === undefined ? ctx.history.changes(file) : ctx.history.changesAt(head, file)), opts);
}

/** A KV version 2 mount: its name in Vault paths and the folder that holds its secrets. */
export interface KvMount {
  /** The mount path without slashes, e.g. `secret`; commit messages name secrets by it. */
  name: string;
  /** Repo-relative, `/`-separated, e.g. `secrets`. */
  folder: string;
}

/** Who makes a change: the token's display name, which becomes the commit's author. */
export interface KvActor {
  author: GitIdentity;
}

/** A secret, read under its lock. */
export interface SecretState {
  /** Repo-relative path of its file. */
  file: string;
  abs: string;
  /** The file relative to the mount folder: its key in the metadata file. */
  relative: string;
  /** The Vault path inside the mount, as given. */
  path: string;
  mountDir: string;
  metadataFile: KvMetadataFile;
  record: SecretKvMetadata;
  config: KvConfig;
  history: KvHistory;
}

/** Whether Vault knows the key at all (its `getKeyMetadata` is not nil): a version, or a record. */
export function keyExists(s: SecretState): boolean {
  return s.history.currentVersion > 0 || hasKeyMetadata(s.metadataFile.secrets?.[s.relative]);
}

/** A file a write changed, and what it held before (null: absent), to put back when the commit fails. */
export interface Change {
  abs: string;
  before: Buffer | null;
}

/**
 * The file of secret `kvPath` under the mount: the existing `<path>.<ext>` for any secret-file
 * extension, else `<path>.yaml` for a new one. Kind `tree-path` for a bad path or two files.
 */
export function secretFileOf(ctx: KvWriteContext, mount: KvMount, kvPath: string): { abs: string; mountDir: string } {
  const segs = parseSecretPath(kvPath);
  const mountDir = path.join(ctx.repo.top, ...mount.folder.split("/"));
  const abs = soleFileFor(mountDir, segs) ?? path.join(mountDir, ...segs) + NEW_FILE_EXTENSION;
  confinedPath(mountDir, abs, { shown: kvPath, rootName: `the mount folder ${mount.folder}` });
  return { abs, mountDir };
}

const toRepoPath = (ctx: KvWriteContext, abs: string) => relativeSlash(ctx.repo.top, abs);

/** Runs `fn` under the secret's write lock with its history and metadata read under it (a write: in the gate's shared side). */
export async function withSecret<T>(ctx: KvWriteContext, mount: KvMount, kvPath: string, fn: (s: SecretState) => Promise<T>): Promise<T> {
  const { abs, mountDir } = secretFileOf(ctx, mount, kvPath);
  return ctx.gate.shared(async () => {
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    return ctx.locks.run(abs, async () => fn(await readSecretState(ctx, kvPath, abs, mountDir)));
  });
}

/** The secret's file, metadata record and history, as they are now (the caller holds the file's lock). */
async function readSecretState(ctx: KvWriteContext, kvPath: string, abs: string, mountDir: string): Promise<SecretState> {
  const metadataFile = ctx.metadata.load(mountDir);
  const relative = path.relative(mountDir, abs).split(path.sep).join("/");
  const record = secretMetadata(metadataFile, relative);
  const config = metadataFile.config ?? {};
  const file = toRepoPath(ctx, abs);
  const history = await versionsOf(ctx, file, { metadata: record, config });
  return { file, abs, relative, path: kvPath, mountDir, metadataFile, record, config, history };
}

/**
 * Replaces the secret's record in the mount's metadata file (null: removes it), under that file's
 * lock, which is held while `then` runs (so that the commit holds this edit and no other). `then`
 * gets the change, or null when the file is unchanged.
 */
export async function editRecord<T>(ctx: KvWriteContext, s: SecretState, record: SecretKvMetadata | null, then: (change: Change | null) => Promise<T>): Promise<T> {
  const abs = path.join(s.mountDir, KV_METADATA_FILE);
  if (canonical(record) === canonical(s.record)) return then(null);
  return ctx.locks.run(abs, async () => {
    const before = await readKvMetadataText(s.mountDir);
    const next = withSecretRecord(before, s.relative, record);
    if (before !== null && next.text === before) return then(null);
    await writeFileAtomic(abs, next.text);
    return then({ abs, before: before === null ? null : Buffer.from(before, "utf8") });
  });
}

/** A record as text with sorted keys and empty parts dropped, to compare two records. */
function canonical(record: SecretKvMetadata | null): string {
  const tidy = record === null ? null : tidyRecord(record);
  return JSON.stringify(tidy, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** The current bytes of a file, or null. */
export async function bytesOf(abs: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SecretsError("read-input", "cannot read the file", { file: abs, cause: e });
  }
}

/** Whether HEAD holds `file` as `blob`. */
export async function headHolds(ctx: KvWriteContext, file: string, blob: string): Promise<boolean> {
  return (await objectId(ctx.repo, `HEAD:${file}`)) === blob;
}

/**
 * Commits the changed files as one commit by `actor`, at `date`; the commit id. `tracked`: every
 * file is in HEAD already (git need not add it first). When the commit
 * fails, each file is put back as it was (see the durability note above) and the error is rethrown.
 */
export async function commitChanges(ctx: KvWriteContext, changes: readonly (Change | null)[], message: string, actor: KvActor, date: Date, opts: { tracked?: boolean } = {}): Promise<string | null> {
  const real = changes.filter((c): c is Change => c !== null);
  if (real.length === 0) return null;
  const paths = real.map((c) => toRepoPath(ctx, c.abs));
  await ctx.beforeCommit?.(paths);
  try {
    return await ctx.commits.commit({ paths, message, author: actor.author, date, ...(opts.tracked ? { tracked: true } : {}) });
  } catch (e) {
    await Promise.all(real.map((c) => (c.before === null ? fsp.rm(c.abs, { force: true }) : writeFileAtomic(c.abs, c.before)))).catch(() => undefined);
    throw e;
  }
}

/** The write's time: whole seconds, as a commit keeps it. */
export function writeTime(ctx: KvWriteContext): Date {
  const now = (ctx.now ?? (() => new Date()))();
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}

/** The secret's Vault path for commit messages: `secret/app`. Never a value. */
export function vaultPathOf(mount: KvMount, s: SecretState): string {
  return `${mount.name}/${s.path.replace(/^\/+/, "")}`;
}
