/**
 * Which file a KV path names, and which files the server serves. `secret/data/app/db` is the file
 * `app/db.<ext>` under the mount's folder (one of the secret-file extensions; two files for one
 * path are an error, as everywhere in the tool), confined to the folder (src/secrets/resolve.ts).
 *
 * The server serves only the files its own identity can open: a file whose data key none of its
 * identities can unwrap is, for every client, as if it were not there (404 on read and metadata,
 * left out of lists). Not 403: a 403 would say that the path exists and the token lacks a policy,
 * which neither the token's policies nor a request can change (the file's recipients decide), and
 * Vault answers a path it holds nothing for with 404.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { parseEncryptedFile } from "../files/secret-file.js";
import { formatForPath, loadStore } from "../files/format.js";
import { readBlobs } from "../git/history.js";
import type { Repo } from "../git/repo.js";
import { Opener, parseVersion } from "../git/versions.js";
import type { KeySource } from "../sops/keysource.js";
import { parseMetadata } from "../sops/metadata.js";
import { SECRET_FILE_EXTENSIONS, secretFilesUnder, soleFileFor } from "../secrets/resolve.js";

/** NAME_MAX of Linux and macOS file systems, in bytes: a segment plus its longest extension must fit. */
const NAME_MAX = 255;
const LONGEST_EXTENSION = Math.max(...SECRET_FILE_EXTENSIONS.map((e) => e.length));
/** A bound on a whole KV path, in bytes, so that mount folder + path stays under PATH_MAX (4096). */
export const MAX_KV_PATH_BYTES = 2048;

/**
 * Why a KV path below a mount can name no file, or null when it can: a NUL (no file name holds
 * one), a segment too long for a file name, or a path past {@link MAX_KV_PATH_BYTES}. Vault, which
 * keeps paths as storage keys, has no such limits; here a read of such a path answers 404 (no such
 * secret can exist) and a write 400 with this text, rather than the file system's error as a 500.
 */
export function kvPathProblem(kvPath: string): string | null {
  if (kvPath.includes("\0")) return "invalid secret path: it contains a NUL character";
  if (Buffer.byteLength(kvPath, "utf8") > MAX_KV_PATH_BYTES) return `invalid secret path: longer than ${MAX_KV_PATH_BYTES} bytes`;
  if (kvPath.split("/").some((s) => Buffer.byteLength(s, "utf8") + LONGEST_EXTENSION > NAME_MAX)) {
    return `invalid secret path: a segment is longer than ${NAME_MAX - LONGEST_EXTENSION} bytes`;
  }
  return null;
}

/** The file `segments` names under `root`, or null; kind `tree-path` when two files claim the path. */
export function kvFileFor(root: string, segments: readonly string[]): string | null {
  return soleFileFor(root, [...segments]);
}

/**
 * `kvFileFor` for a server, remembered per folder: finding the file a path names costs a system
 * call per secret-file extension, and a path to confirm it stays under the root, on every request.
 * A folder's answers are kept while one `stat` of the folder finds it the same (the same inode, and
 * the same change and modification times, to the microsecond: adding, removing or renaming an entry,
 * the atomic replacement of a file included, changes them) and HEAD names the same commit (files
 * arriving by a pull or checkout on a file system with coarse times). An ambiguous path (two
 * files) is never kept: it throws each time. One per server, no module state; bounded.
 */
export class KvFileResolver {
  readonly #folders = new Map<string, { stamp: string; names: Map<string, string | null> }>();

  fileFor(root: string, segments: readonly string[], head: string | null): string | null {
    const folder = path.join(root, ...segments.slice(0, -1));
    let st;
    try {
      st = statSync(folder, { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    if (!st) return kvFileFor(root, segments);
    const stamp = `${head ?? ""}:${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
    let known = this.#folders.get(folder);
    if (known?.stamp !== stamp) {
      if (!known && this.#folders.size >= MAX_FOLDERS) this.#folders.clear();
      known = { stamp, names: new Map() };
      this.#folders.set(folder, known);
    }
    const name = segments.at(-1)!;
    const hit = known.names.get(name);
    if (hit !== undefined) return hit;
    const file = kvFileFor(root, segments);
    // Names asked for that hold nothing are kept too, up to a bound (a client may ask for many).
    if (known.names.size >= MAX_NAMES) known.names.clear();
    known.names.set(name, file);
    return file;
  }
}

const MAX_FOLDERS = 10_000;
const MAX_NAMES = 100_000;

/** Whether one of the server's identities opens the file's data key (nothing else is decrypted). */
export async function canOpen(file: string, keys: KeySource): Promise<boolean> {
  try {
    const parsed = await parseEncryptedFile(file);
    if (parsed.stored.metadata === null) return false;
    return (await new Opener(keys).dataKey(parseMetadata(parsed.stored.metadata))) !== null;
  } catch {
    // A file that cannot be parsed is not served either; the read answers why (500) if asked for.
    return false;
  }
}

/**
 * Whether one of the server's identities opens the data key of the blob `blob` of `file` (a
 * version in git, e.g. of a file a delete removed from the work tree). Nothing else is decrypted.
 */
export async function canOpenBlob(repo: Repo, file: string, blob: string, keys: KeySource): Promise<boolean> {
  try {
    const bytes = (await readBlobs(repo, [blob])).get(blob);
    if (!bytes) return false;
    const version = parseVersion(await loadStore(formatForPath(file)), bytes);
    return version.metadata !== null && (await new Opener(keys).dataKey(version.metadata)) !== null;
  } catch {
    return false;
  }
}

/**
 * What LIST on `metadata/<folder>` answers: the names in the folder that lead to a served file, a
 * file's without its extension, a sub-folder's with a trailing `/`, sorted (the KV plugin lists
 * its storage keys in order). Empty when there are none (the router answers that with 404).
 */
export async function listFolder(root: string, folder: readonly string[], keys: KeySource): Promise<string[]> {
  const files = (await secretFilesUnder(root, [...folder])).filter((f) => f.segments.length > folder.length && f.segments.slice(0, folder.length).every((s, i) => s === folder[i]));
  const served = await Promise.all(files.map(async (f) => ((await canOpen(f.file, keys)) ? f : null)));
  const names = new Set<string>();
  for (const f of served) {
    if (!f) continue;
    const rest = f.segments.slice(folder.length);
    names.add(rest.length === 1 ? rest[0]! : `${rest[0]!}/`);
  }
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The file's path relative to `top`, `/`-separated (git's form). */
export function relativeSlash(top: string, file: string): string {
  return path.relative(top, file).split(path.sep).join("/");
}
