import { fileHistory, pathsEverChanged, type CommitInfo, type FileChange } from "../../git/history.js";
import { HeadReader } from "../../git/head.js";
import type { Repo } from "../../git/repo.js";

/**
 * The history of each secret file at the commit HEAD names now, kept between requests: a KV
 * read or write needs a file's versions (the commits that changed it, versions.ts), and walking
 * history is a `git log` process per file, milliseconds each. One per repository (held by the KV
 * context, no module state).
 *
 * Correct by construction: an entry is the history of one file *at one commit*, which no later
 * change can alter (a commit id names its whole ancestry), and it is used only while HEAD names
 * that very commit. HEAD is read from git's files at every lookup (git/head.ts: microseconds), so
 * a commit made by anyone — a `git pull`, a merge, `git commit` in the checkout — is seen by the
 * next request, which walks the history again. The server's own commits do not cost a walk: a
 * commit with one parent changes a file's history only by its own change of that file, so after
 * such a commit (`committed`) every entry at its parent is carried to it, extended by the commit's
 * change where it touched the file. The work tree plays no part: versions are commits.
 *
 * A file no commit ever changed (a new secret, a path that names nothing) has an empty history,
 * which one walk of the whole history (`pathsEverChanged`, started in the background on the first
 * miss at a new HEAD and kept up with the server's commits like the entries) answers for every such
 * path at once, instead of a `git log` each.
 *
 * What the history at one commit id cannot follow: `git replace` and a shallow clone deepened by
 * a fetch change what a walk from the same commit finds; the server sees that after a restart.
 */

/** The changes of one file, oldest first, as `kvVersions` models them. */
export type FileHistory = readonly FileChange[];

interface Entry {
  /** The commit this is the history at; null: the branch has no commit yet. */
  head: string | null;
  changes: FileHistory;
}

export interface HistoryCacheOptions {
  /** At most this many files are kept (the least recently used go first). Default 20,000. */
  maxFiles?: number;
  /** Where HEAD is read (default: a reader of its own). */
  head?: HeadReader;
}

export class KvHistoryCache {
  readonly #repo: Repo;
  readonly #head: HeadReader;
  readonly #maxFiles: number;
  readonly #entries = new Map<string, Entry>();
  /** Walks in flight, by `<head> <file>`: concurrent misses of one file share one `git log`. */
  readonly #walking = new Map<string, Promise<FileHistory>>();
  /** The newest head this cache has seen; a walk finishing after HEAD moved on does not replace a newer entry. */
  #latest: string | null | undefined;
  #walks = 0;
  /** Every path changed in the history of `head` (see the note above), once known. */
  #ever: { head: string; paths: Set<string> } | undefined;
  #everWalking: Promise<void> | undefined;
  /** The server's commits being read back (`committing`). */
  readonly #reading = new Set<Promise<void>>();
  /** The server's latest commits, to bring an `#ever` that finished late up to date. */
  readonly #recent: Array<{ commit: CommitInfo; paths: readonly string[] }> = [];

  constructor(repo: Repo, opts: HistoryCacheOptions = {}) {
    this.#repo = repo;
    this.#head = opts.head ?? new HeadReader(repo);
    this.#maxFiles = opts.maxFiles ?? 20_000;
  }

  /** The commit HEAD names now (null: none yet). */
  head(): Promise<string | null> {
    return this.#head.commit();
  }

  /** How many `git log` walks this cache has run (tests, and the bench's account of misses). */
  get walks(): number {
    return this.#walks;
  }

  /** Resolves once no walk is running (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.#everWalking || this.#walking.size > 0 || this.#reading.size > 0) await Promise.allSettled([this.#everWalking, ...this.#walking.values(), ...this.#reading]);
  }

  /** The changes of `file` (repo-relative, `/`-separated) in the history of HEAD as it is now, oldest first. */
  async changes(file: string): Promise<FileHistory> {
    return this.changesAt(await this.#head.commit(), file);
  }

  /** The changes of `file` at `head`, a commit `head()` answered a moment ago (one HEAD read for a request's several questions). */
  changesAt(head: string | null, file: string): Promise<FileHistory> {
    const hit = this.#hit(head, file);
    if (hit) return Promise.resolve(hit);
    // A commit of the server's own being read back may carry this file's entry to `head`.
    if (this.#reading.size > 0) return Promise.allSettled([...this.#reading]).then(() => this.#hit(head, file) ?? this.#walk(head, file));
    return this.#walk(head, file);
  }

  #hit(head: string | null, file: string): FileHistory | undefined {
    this.#latest = head;
    const entry = this.#entries.get(file);
    if (!entry || entry.head !== head) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(file);
    this.#entries.set(file, entry);
    return entry.changes;
  }

  /**
   * The server's commit just made, with what it holds once git has said (commit-queue.ts): applied
   * as `committed` when it comes; until then, asks that miss wait for it.
   */
  committing(made: Promise<{ commit: CommitInfo; changes: readonly FileChange[] } | null>, early: { id: string; parent: string; paths: readonly string[] } | null = null): void {
    if (early) this.#moveUntouched(early.id, early.parent, early.paths);
    const applied = made.then((m) => {
      if (m) this.committed(m.commit, m.changes);
    });
    this.#reading.add(applied);
    const done = () => this.#reading.delete(applied);
    applied.then(done, done);
  }

  #walk(head: string | null, file: string): Promise<FileHistory> {
    if (head === null) return Promise.resolve([]);
    if (this.#ever?.head === head) {
      if (!this.#ever.paths.has(file)) {
        const none: FileHistory = Object.freeze([]);
        this.#store(file, { head, changes: none });
        return Promise.resolve(none);
      }
    } else {
      this.#walkEverything(head);
    }
    const key = `${head} ${file}`;
    let walk = this.#walking.get(key);
    if (!walk) {
      this.#walks++;
      walk = fileHistory(this.#repo, [file], { at: head }).then((all) => {
        const changes = Object.freeze(all.filter((c) => c.path === file).reverse());
        if (this.#latest === head || !this.#entries.has(file)) this.#store(file, { head, changes });
        return changes;
      });
      this.#walking.set(key, walk);
      const done = () => this.#walking.delete(key);
      walk.then(done, done);
    }
    return walk;
  }

  /**
   * Every path changed in the history of `head`, a commit `head()` answered (more, at worst, after
   * the server's own commits): the files a secret ever lived in, those a delete removed from the
   * work tree among them (a LIST names those while their metadata lives). One walk per HEAD, shared
   * with the misses above.
   */
  async pathsEverChanged(head: string): Promise<ReadonlySet<string>> {
    if (this.#ever?.head === head) return this.#ever.paths;
    this.#walkEverything(head);
    await this.#everWalking;
    if (this.#ever?.head === head) return this.#ever.paths;
    // The shared walk failed, or was of another HEAD: this request walks on its own.
    this.#walks++;
    return pathsEverChanged(this.#repo, head);
  }

  /** Starts the walk of all paths at `head`, unless one is running; its failure only means files are walked one by one. */
  #walkEverything(head: string): void {
    if (this.#everWalking) return;
    this.#walks++;
    this.#everWalking = pathsEverChanged(this.#repo, head)
      .then((paths) => {
        // Commits the server made while it walked: replayed from `head` on.
        let at = head;
        for (let moved = true; moved; ) {
          moved = false;
          for (const r of this.#recent) {
            if (r.commit.parents.length !== 1 || r.commit.parents[0] !== at) continue;
            for (const p of r.paths) paths.add(p);
            at = r.commit.id;
            moved = true;
          }
        }
        this.#ever = { head: at, paths };
      })
      .catch(() => undefined)
      .finally(() => (this.#everWalking = undefined));
  }

  #store(file: string, entry: Entry): void {
    this.#entries.delete(file);
    this.#entries.set(file, entry);
    while (this.#entries.size > this.#maxFiles) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * Entries at `parent` of files commit `id` did not touch (it holds changes of `paths` only) move
   * to it at once; the others wait at `parent` for `committed`, which extends them.
   */
  #moveUntouched(id: string, parent: string, paths: readonly string[]): void {
    this.#latest = id;
    const touched = new Set(paths);
    for (const [file, entry] of this.#entries) if (entry.head === parent && !touched.has(file)) entry.head = id;
    // More paths than the commit may have changed: the set may only hold too many.
    if (this.#ever?.head === parent) {
      for (const p of paths) this.#ever.paths.add(p);
      this.#ever.head = id;
    }
    this.#recent.push({ commit: { id, parents: [parent], author: "", email: "", date: "", subject: "" }, paths });
    if (this.#recent.length > 1000) this.#recent.shift();
  }

  /**
   * The server's own commit `commit`, with `changes` (every path it touched, `commitChanges` in
   * git/history.ts), has just been made: entries at its parent move to it. A commit with other
   * than one parent, or whose parent no entry is at, moves nothing (those files are walked again).
   */
  committed(commit: CommitInfo, changes: readonly FileChange[]): void {
    this.#latest = commit.id;
    if (commit.parents.length !== 1) return;
    const parent = commit.parents[0]!;
    const touched = new Map<string, FileChange>();
    for (const c of changes) touched.set(c.path, c);
    this.#recent.push({ commit, paths: [...touched.keys()] });
    if (this.#recent.length > 1000) this.#recent.shift();
    if (this.#ever?.head === parent) {
      for (const p of touched.keys()) this.#ever.paths.add(p);
      this.#ever.head = commit.id;
    }
    for (const [file, entry] of this.#entries) {
      if (entry.head !== parent) continue;
      const change = touched.get(file);
      entry.head = commit.id;
      if (change) entry.changes = Object.freeze([...entry.changes, change]);
    }
  }
}
