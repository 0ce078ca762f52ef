import { SecretsError } from "../../errors.js";
import { formatForPath, loadStore } from "../../files/format.js";
import { readBlobs } from "../../git/history.js";
import type { Repo } from "../../git/repo.js";
import { Opener, parseVersion } from "../../git/versions.js";
import type { KeySource } from "../../sops/keysource.js";
import { Branch, toPlain, type ExactPlainValue } from "../../sops/tree.js";
import { dataResponse, type KvDataResponse } from "./responses.js";
import { deepFreeze } from "../../util/deep-freeze.js";
import type { DecryptedVersion, DecryptedVersions } from "./version-cache.js";
import { kvVersions, type KvHistory, type KvVersion, type KvVersionsOptions } from "./versions.js";

/**
 * Reading one version of a KV version 2 secret, as path_data.go `pathDataRead` answers:
 * - no such version (never written, or dropped by `max_versions`): null, which Vault answers with a
 *   bare 404 (`{"errors":[]}`);
 * - a version deleted (deletion time before now) or destroyed: 404 with the metadata and `data: null`;
 * - else 200 with the secret's data: the file's top-level map at that version's commit, decrypted
 *   (values as `toPlain` gives them).
 */

/** Where versions are read from: the repository and the identity that decrypts (the workspace's). */
export interface KvSource {
  repo: Repo;
  keys: KeySource;
  /** Versions already decrypted (the server's); without it every read decrypts. */
  versions?: DecryptedVersions;
}

export interface ReadVersionOptions extends KvVersionsOptions {
  /** The history, when the caller has it already (one `git log` per request, not two). */
  history?: KvHistory;
  /** For the "deleted before now" test (default: now). */
  now?: Date;
}

export interface KvRead {
  /** 200, or 404 for a deleted or destroyed version (the body is still sent). */
  status: 200 | 404;
  body: KvDataResponse;
}

/**
 * Version `n` of `file` (repo-relative); `n` 0 or absent is the current version (Vault's
 * `?version=0`). Kind `no-key` when this identity cannot open that version.
 */
export async function readVersion(source: KvSource, file: string, n = 0, opts: ReadVersionOptions = {}): Promise<KvRead | null> {
  const history = opts.history ?? (await kvVersions(source.repo, file, opts));
  const wanted = n > 0 ? n : history.currentVersion;
  const v = history.versions.find((x) => x.version === wanted);
  if (!v) return null;
  const deleted = v.deletionTime !== "" && Date.parse(v.deletionTime) < (opts.now ?? new Date()).getTime();
  if (deleted || v.destroyed) return { status: 404, body: dataResponse(v, null, opts.metadata) };

  const data = await openData(source, file, v);
  if (!data) throw new SecretsError("no-key", `no identity here can open version ${v.version} of ${file}`);
  return { status: 200, body: dataResponse(v, data, opts.metadata) };
}

/** The data of a version's blob (null: no identity opens it), from `source.versions` when it has it. */
function openData(source: KvSource, file: string, v: KvVersion): Promise<DecryptedVersion> {
  const format = formatForPath(file);
  const open = async () => {
    const bytes = (await readBlobs(source.repo, [v.blob])).get(v.blob);
    if (!bytes) throw new SecretsError("generic", `version ${v.version} of ${file} is missing from the repository`);
    const version = parseVersion(await loadStore(format), bytes);
    if (!version.metadata) throw new SecretsError("metadata", `version ${v.version} of ${file} is not an encrypted file`);
    const doc = await new Opener(source.keys).open(version);
    const value = doc ? deepFreeze(toPlain(doc.branches[0] ?? new Branch()) as Record<string, ExactPlainValue>) : null;
    return { value, bytes: bytes.length };
  };
  return source.versions ? source.versions.get(v.blob, format, open) : open().then((r) => r.value);
}
