import { closeSync, promises as fsp, openSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { git } from "./exec.js";
import { inRepo, type Repo } from "./repo.js";

/**
 * The commit HEAD names, read from git's own files instead of running `git rev-parse HEAD`. A
 * long-running reader (the server) asks on every request, so that a commit made by anyone (a
 * `git pull`, a merge, the server's own) is seen by the next request; a git process costs
 * milliseconds of the event loop (fork of a large process), reading two small files microseconds.
 *
 * The files backend's layout (gitrepository-layout(5)): `HEAD` in the git directory holds
 * `ref: refs/heads/<branch>` or a commit id (detached); a branch is the loose file
 * `<common dir>/refs/heads/<branch>` or, failing that, a line of `<common dir>/packed-refs`. Git
 * replaces each of these files by renaming a complete lock file onto it, so a read sees the old
 * content or the new, never a mix; a loose ref is written before `git pack-refs` removes it, so
 * one of the two always holds the branch. Whatever this does not recognise (the reftable backend,
 * a ref outside `refs/heads/`, a chain of symbolic refs) is asked of git, which is always right.
 *
 * The two files are read synchronously: each is a few dozen bytes in the page cache, which a
 * synchronous read returns in microseconds, where the thread-pool round trips of an asynchronous
 * one (open, stat, read, close) cost more than the read itself. And each is read again only when a
 * `stat` finds it changed (inode, size, change and modification times): git never writes these
 * files in place, so a new content is a new inode written at a new time. Only where the file
 * system keeps times finer than a second (a time with a fraction shows it) is the stat trusted;
 * elsewhere the file is read every time.
 */

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

interface GitDirs {
  /** The work tree's own git directory (`.git`, or `.git/worktrees/<name>` of a linked work tree). */
  gitDir: string;
  /** Where branches live (the main repository's `.git`). */
  commonDir: string;
  /** The reftable backend: refs are not plain files; git answers every question. */
  reftable: boolean;
}

/** What `looseCommit` reads of a commit. */
export interface LooseCommit {
  parents: string[];
  author: string;
  email: string;
  /** The whole message, as git stored it (with its final newline). */
  message: string;
}

/** Reads HEAD for one repository. Holds no state but what it can re-check (the packed-refs parse, by stat). */
export class HeadReader {
  readonly #repo: Repo;
  #dirs: Promise<GitDirs> | undefined;
  #packed: { stamp: string; refs: Map<string, string> } | undefined;
  /** HEAD's and the branch's files as last read, with the stat they were read at. */
  readonly #small = new Map<string, { stamp: string; text: string }>();

  constructor(repo: Repo) {
    this.#repo = repo;
  }

  /** The commit HEAD names now, or null when the branch has no commit yet. */
  async commit(): Promise<string | null> {
    const dirs = await this.#gitDirs();
    if (!dirs.reftable) {
      const fromFiles = await this.#fromFiles(dirs);
      if (fromFiles !== undefined) return fromFiles;
    }
    return this.#fromGit();
  }

  /**
   * A commit's parents, author and message, read from its loose object file (a commit git just
   * wrote is one: `objects/<2 hex>/<rest>` under the common directory, zlib-deflated
   * `commit <size>\0` + the commit's text); undefined when it is not there as a loose object
   * (packed, or another object directory), which the caller answers by asking git.
   */
  async looseCommit(id: string): Promise<LooseCommit | undefined> {
    if (!OID.test(id)) return undefined;
    const dirs = await this.#gitDirs();
    let raw: Buffer;
    try {
      raw = inflateSync(await fsp.readFile(path.join(dirs.commonDir, "objects", id.slice(0, 2), id.slice(2))));
    } catch {
      return undefined;
    }
    const nul = raw.indexOf(0);
    if (nul < 0 || !raw.subarray(0, nul).toString("latin1").startsWith("commit ")) return undefined;
    const text = raw.subarray(nul + 1).toString("utf8");
    const end = text.indexOf("\n\n");
    const headers = (end < 0 ? text : text.slice(0, end)).split("\n");
    const parents = headers.filter((h) => h.startsWith("parent ")).map((h) => h.slice("parent ".length));
    const author = /^author (.*) <([^>]*)> \d+ [+-]\d{4}$/.exec(headers.find((h) => h.startsWith("author ")) ?? "");
    if (!author) return undefined;
    return { parents, author: author[1]!, email: author[2]!, message: end < 0 ? "" : text.slice(end + 2) };
  }

  #gitDirs(): Promise<GitDirs> {
    this.#dirs ??= (async () => {
      const out = (await git(["rev-parse", "--absolute-git-dir", "--git-common-dir"], inRepo(this.#repo))).stdout.toString("utf8").split("\n");
      const gitDir = out[0]!.trim();
      const commonDir = path.resolve(this.#repo.top, out[1]!.trim());
      const reftable = await fsp.stat(path.join(commonDir, "reftable")).then(
        (s) => s.isDirectory(),
        () => false,
      );
      return { gitDir, commonDir, reftable };
    })();
    // A failure (not a repository any more) is tried again on the next call.
    this.#dirs.catch(() => (this.#dirs = undefined));
    return this.#dirs;
  }

  /** HEAD from the files; undefined when the layout is one this does not read (git is asked then). */
  async #fromFiles(dirs: GitDirs): Promise<string | null | undefined> {
    const head = this.#read(path.join(dirs.gitDir, "HEAD"));
    if (head === null) return undefined;
    if (OID.test(head)) return head;
    const m = /^ref: (refs\/heads\/\S+)$/.exec(head);
    if (!m || m[1]!.split("/").some((s) => s === "" || s === "." || s === "..")) return undefined;
    const name = m[1]!;
    const loose = this.#read(path.join(dirs.commonDir, ...name.split("/")));
    if (loose !== null) return OID.test(loose) ? loose : undefined;
    const packed = await this.#packedRefs(dirs.commonDir);
    if (packed === undefined) return undefined;
    // Neither loose nor packed: a branch with no commit yet (`git init`).
    return packed.get(name) ?? null;
  }

  /** A small file's first line (see readSmall), read again only when its stat changed (see the note above). */
  #read(file: string): string | null {
    let st;
    try {
      st = statSync(file, { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    if (st === undefined) {
      this.#small.delete(file);
      return null;
    }
    // Milliseconds with their fraction (a double keeps microseconds): enough to tell two writes apart.
    const fine = st.mtimeMs % 1000 !== 0 || st.ctimeMs % 1000 !== 0;
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const seen = this.#small.get(file);
    if (fine && seen?.stamp === stamp) return seen.text;
    const text = readSmall(file);
    if (text === null) this.#small.delete(file);
    else this.#small.set(file, { stamp, text });
    return text;
  }

  /** `packed-refs` as name → id, parsed again only when the file changed; undefined when it cannot be read. */
  async #packedRefs(commonDir: string): Promise<Map<string, string> | undefined> {
    const file = path.join(commonDir, "packed-refs");
    let st;
    try {
      st = statSync(file, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    if (st === undefined) return new Map();
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (this.#packed?.stamp === stamp) return this.#packed.refs;
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch {
      return undefined;
    }
    const refs = new Map<string, string>();
    for (const line of text.split("\n")) {
      // `# pack-refs with: …` header, `^<id>` peeled tag lines, `<id> <name>` entries.
      const entry = /^([0-9a-f]{40}|[0-9a-f]{64}) (\S+)$/.exec(line);
      if (entry) refs.set(entry[2]!, entry[1]!);
    }
    this.#packed = { stamp, refs };
    return refs;
  }

  async #fromGit(): Promise<string | null> {
    const r = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { ...inRepo(this.#repo), okCodes: [0, 1, 128] });
    const id = r.stdout.toString("utf8").trim();
    return r.code === 0 && OID.test(id) ? id : null;
  }
}

/** A small file's first line, trimmed; null when it does not exist or is not a file. Three system calls (no stat). */
function readSmall(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const buf = Buffer.allocUnsafe(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    // Longer than any HEAD or ref (a path in `ref: …` can be long): read it whole.
    const text = n < buf.length ? buf.toString("utf8", 0, n) : readFileSync(file, "utf8");
    return text.split("\n")[0]!.trim();
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
