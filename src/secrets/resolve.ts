import fs from "node:fs";
import path from "node:path";
import { confinedPath } from "../io/confine.js";
import { SecretNotFound, SecretPathError } from "./errors.js";
import { formatSecretPath, type SecretPath } from "./path.js";

/**
 * Where a secret path lives on disk. The leading segments name a file under the root (with one of the
 * extensions below), the rest a key path inside it: `database/postgres/password` is key `password` in
 * `database/postgres.yaml`, or key `postgres.password` in `database.yaml`. The longest prefix that
 * names an existing file wins (a key is never looked up in a shorter one); two files for the same
 * prefix (`app.yaml` and `app.json`) make every path through them an error rather than a guess.
 *
 * A path never leaves the root: a file or folder under it that is a symbolic link is followed only
 * while its real location stays under the root's; one leading out (or nowhere) is an `outside-root`
 * error, for reading, listing and creating alike.
 */

export const SECRET_FILE_EXTENSIONS = [".yaml", ".yml", ".json", ".env", ".ini"] as const;

/** The extension new secret files get. */
export const NEW_FILE_EXTENSION = ".yaml";

export interface SecretLocation {
  /** Absolute path of the file. */
  file: string;
  /** The secret-path segments that name the file. */
  fileSegments: string[];
  /** The key path inside the file (at least one key). */
  keyPath: string[];
}

/** A path for messages: relative to the working directory when it is below it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** `file` (below `root`), once its real location is known to stay under the root's. */
function confined(root: string, file: string): string {
  confinedPath(root, file, { shown: displayPath(file), rootName: `the secrets root ${displayPath(root)}` });
  return file;
}

/**
 * Whether a name holds a file or a link: a regular file, or a symbolic link whatever it leads to.
 * A dangling link is no file to read, but writing it would create its target: confined() refuses it.
 * (What `stat` says of a link's target does not matter, so one `lstat` per name: the server
 * resolves a path on every request.)
 */
function isFileOrLink(p: string): boolean {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  return st !== undefined && (st.isFile() || st.isSymbolicLink());
}

/** The existing files that the segments could name (normally zero or one). */
export function filesFor(root: string, segs: SecretPath): string[] {
  const base = path.join(root, ...segs);
  return SECRET_FILE_EXTENSIONS.map((ext) => base + ext).filter(isFileOrLink).map((f) => confined(root, f));
}

function ambiguous(files: string[]): SecretPathError {
  return new SecretPathError(`ambiguous secret path: both ${files.map(displayPath).join(" and ")} exist; keep one of them`);
}

/** The one existing file the segments name, or null; SecretPathError when two files claim them. */
export function soleFileFor(root: string, segs: SecretPath): string | null {
  const files = filesFor(root, segs);
  if (files.length > 1) throw ambiguous(files);
  return files[0] ?? null;
}

/** Finds the file and key path of an existing or wanted secret. Throws SecretNotFound when no file can hold it. */
export function locateSecret(root: string, segs: SecretPath): SecretLocation {
  const text = formatSecretPath(segs);
  if (segs.length < 2) {
    throw new SecretPathError(`secret path "${text}" names no key: a secret path is FILE/KEY, e.g. app/${text} for key ${text} in ${displayPath(path.join(root, "app" + NEW_FILE_EXTENSION))}`);
  }
  for (let k = segs.length - 1; k >= 1; k--) {
    const file = soleFileFor(root, segs.slice(0, k));
    if (file !== null) return { file, fileSegments: segs.slice(0, k), keyPath: segs.slice(k) };
  }
  const whole = filesFor(root, segs);
  const hint = whole.length ? `; ${displayPath(whole[0]!)} is a file: its secrets are ${text}/KEY` : "";
  throw new SecretNotFound(text, `secret ${text} not found: no secret file for it under ${displayPath(root)}${hint}`);
}

/** Where `set` puts a secret no existing file holds: key = last segment, in the file the others name. */
export function newSecretLocation(root: string, segs: SecretPath): SecretLocation {
  if (segs.length < 2) locateSecret(root, segs); // throws the "names no key" error
  const fileSegments = segs.slice(0, -1);
  return { file: confined(root, path.join(root, ...fileSegments) + NEW_FILE_EXTENSION), fileSegments, keyPath: segs.slice(-1) };
}

export interface SecretFile {
  file: string;
  segments: string[];
}

/** Files under `dir` with a secret-file extension, recursively; dot-files and dot-folders are skipped. */
async function walk(root: string, dir: string, out: SecretFile[], seen = new Set<string>()): Promise<void> {
  // A folder linked inside the root is walked once: a link to an ancestor is no endless loop.
  let real: string;
  try {
    real = confinedPath(root, dir, { shown: displayPath(dir), rootName: `the secrets root ${displayPath(root)}` });
  } catch (e) {
    if (fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined) return;
    throw e;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw e;
  }
  for (const d of entries) {
    if (d.name.startsWith(".")) continue;
    const full = path.join(dir, d.name);
    let isDir = d.isDirectory();
    let isReg = d.isFile();
    if (d.isSymbolicLink()) {
      confined(root, full);
      const st = fs.statSync(full, { throwIfNoEntry: false });
      isDir = !!st?.isDirectory();
      isReg = !!st?.isFile();
    }
    if (isDir) await walk(root, full, out, seen);
    else if (isReg) {
      const ext = SECRET_FILE_EXTENSIONS.find((x) => d.name.endsWith(x) && d.name.length > x.length);
      if (!ext) continue;
      const rel = path.relative(root, full.slice(0, -ext.length));
      out.push({ file: full, segments: rel.split(path.sep) });
    }
  }
}

/**
 * The secret files that can hold paths under `prefix`: the files its leading segments name, and every
 * file in the folder it names. Sorted by path; throws SecretPathError for two files with one prefix.
 */
export async function secretFilesUnder(root: string, prefix: SecretPath): Promise<SecretFile[]> {
  const out: SecretFile[] = [];
  for (let k = 1; k <= prefix.length; k++) {
    for (const file of filesFor(root, prefix.slice(0, k))) out.push({ file, segments: prefix.slice(0, k) });
  }
  await walk(root, path.join(root, ...prefix), out);
  const byPrefix = new Map<string, string[]>();
  for (const f of out) {
    const key = f.segments.join("/");
    byPrefix.set(key, [...(byPrefix.get(key) ?? []), f.file]);
  }
  for (const files of byPrefix.values()) if (files.length > 1) throw ambiguous(files);
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Whether a path found in a file with `fileSegments` is the one the path resolves to: no file with a
 * longer prefix of it exists (that file would win). `known` holds the joined segments of the files.
 */
export function isReachable(segs: SecretPath, fileSegments: number, known: ReadonlySet<string>): boolean {
  for (let k = fileSegments + 1; k < segs.length; k++) if (known.has(segs.slice(0, k).join("/"))) return false;
  return true;
}
