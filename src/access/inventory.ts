import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath } from "../files/format.js";
import { workTreeFiles } from "../git/files.js";
import { workTreeTop } from "../git/repo.js";
import { isWithin, realLocation } from "../io/confine.js";
import type { Recipients } from "../sops/document.js";
import type { Metadata } from "../sops/metadata.js";
import type { Format } from "../sops/stores/store.js";
import { readMetadata } from "./metadata.js";
import { compareRecipients, recipientsOf, type RecipientDelta } from "./recipients.js";
import { isPolicyFile, RuleBook } from "./rules.js";

/**
 * The secret files of a repository and their state, from metadata only (nothing is decrypted).
 *
 * A secret file is a file tracked by git, or untracked and not ignored, below the `.sops.yaml`
 * directory, that a creation rule matches (the policy file itself excepted). Outside a git work tree
 * every file below the directory counts (`.git` and `node_modules` directories skipped).
 */

export type FileStatus = "ok" | "drift" | "plaintext" | "empty" | "malformed";

export interface SecretFileState {
  /** Relative to the config directory, `/`-separated. */
  file: string;
  format: Format;
  /** Index of the covering creation rule. */
  rule: number;
  /** Who the rule says should read it. */
  expected: Recipients;
  status: FileStatus;
  /** Present for encrypted files (`ok`, `drift`). */
  metadata?: Metadata;
  actual?: Recipients;
  delta?: RecipientDelta;
  /** For `malformed`: the value-free reason. */
  problem?: string;
  /** The file's bytes, when the scan was asked to keep them (`keepBytes`). */
  bytes?: Uint8Array;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name === ".git" || e.name === "node_modules") continue;
      out.push(...(await walk(dir, p)));
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A listed path that is, or goes through, a symbolic link: repository-wide operations skip it. */
export interface SkippedLink {
  file: string;
  /** Its real location is outside the repository (the work tree, or the config directory outside git). */
  escapes: boolean;
}

/**
 * Files below the config directory (see above), relative to it, and the listed paths that are
 * symbolic links (or lie below a linked folder). Links are never followed by a repository-wide
 * operation: one leading out of the repository would let another repository's file be re-keyed under
 * this one's rules (with `git status` here staying clean), and one leading inside reaches a file that
 * is listed, and processed under its own rule, at its real path anyway.
 */
export async function repoListing(dir: string): Promise<{ files: string[]; links: SkippedLink[] }> {
  const top = await workTreeTop(dir);
  const listed = (top ? await workTreeFiles(dir) : await walk(dir)).sort();
  const realDir = realLocation(dir);
  const realTop = realLocation(top ?? dir);
  const files: string[] = [];
  const links: SkippedLink[] = [];
  for (const f of listed) {
    let real: string | null;
    try {
      real = realLocation(path.join(dir, f));
    } catch {
      real = null; // a dangling link or a loop
    }
    if (real === path.join(realDir, f)) files.push(f);
    else links.push({ file: f, escapes: real === null || !isWithin(realTop, real) });
  }
  return { files, links };
}

/** Files below the config directory (see above), relative to it; symbolic links left out. */
export async function repoFiles(dir: string): Promise<string[]> {
  return (await repoListing(dir)).files;
}

/** The secret files (covered by a rule), relative to the config directory, sorted. */
export async function secretFiles(book: RuleBook, files?: readonly string[]): Promise<string[]> {
  const all = files ?? (await repoFiles(book.config.dir));
  return all.filter((f) => !isPolicyFile(f) && book.indexFor(f) >= 0);
}

/** The state of one secret file from its bytes. */
export async function fileState(book: RuleBook, file: string, bytes: Uint8Array): Promise<SecretFileState> {
  const expected = book.expected(file);
  if (!expected) throw new SecretsError("generic", `${file} is not covered by any creation rule`);
  const format = formatForPath(file);
  const base = { file, format, rule: expected.index, expected: expected.recipients };
  try {
    const read = await readMetadata(bytes, format);
    if (read.kind === "empty") return { ...base, status: "empty" };
    if (read.kind === "plain") return { ...base, status: "plaintext" };
    const actual = recipientsOf(read.metadata);
    const delta = compareRecipients(actual, expected.recipients);
    return { ...base, status: delta.same ? "ok" : "drift", metadata: read.metadata, actual, delta };
  } catch (e) {
    if (e instanceof SecretsError) return { ...base, status: "malformed", problem: e.message };
    throw e;
  }
}

/** Reads every secret file (in parallel) and reports its state. */
export async function scanSecretFiles(book: RuleBook, opts: { files?: readonly string[]; only?: (file: string) => boolean; keepBytes?: boolean } = {}): Promise<SecretFileState[]> {
  const files = (await secretFiles(book, opts.files)).filter((f) => !opts.only || opts.only(f));
  return mapLimit(files, 32, async (file) => {
    let bytes: Buffer;
    try {
      // Synchronous on purpose: for thousands of small files, one open/read/close in this thread is
      // several times cheaper than the same through the thread pool (measured: ~0.3 s for 2,000).
      bytes = fs.readFileSync(path.join(book.config.dir, file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "error";
      const expected = book.expected(file)!;
      return { file, format: formatForPath(file), rule: expected.index, expected: expected.recipients, status: "malformed", problem: `cannot read the file (${code})` };
    }
    const state = await fileState(book, file, bytes);
    return opts.keepBytes ? { ...state, bytes } : state;
  });
}
