/**
 * The secret a KV path names, as both KV mounts read it: its file under the mount's folder (the
 * existing `<path>.<ext>`, or, when the work tree has none, the file a write would create, so that
 * a secret removed by a delete still finds its history), the file's record in the mount's
 * `.kv-metadata.yaml` and its versions from git. Nothing is decrypted here.
 *
 * KV version 1 reads the metadata too, although it has no versions to show: a version destroyed
 * while the folder was served as version 2 must not come back when the mount is declared version 1.
 */
import { SecretsError } from "../../errors.js";
import type { Repo } from "../../git/repo.js";
import type { KeySource } from "../../sops/keysource.js";
import { relativeSlash } from "../kv-files.js";
import { readVersion, type KvRead } from "./read.js";
import { secretMetadata, type SecretKvMetadata } from "./metadata-file.js";
import type { KvHistory } from "./versions.js";
import { secretFileOf, versionsOf, type KvMount, type KvWriteContext } from "./write-context.js";

/** A KV mount over a folder: where its files are, and the repository's one write context. */
export interface KvFolderMount extends KvMount {
  /** The folder it maps to (absolute). */
  readonly root: string;
  readonly repo: Repo;
  readonly writes: KvWriteContext;
  /** The server's identity. */
  readonly keys: KeySource;
}

export interface KvSecret {
  /** Absolute path of its file (which may not exist). */
  readonly file: string;
  /** The file relative to the work tree's top, `/`-separated (git's form). */
  readonly repoFile: string;
  readonly metadata: SecretKvMetadata;
  readonly history: KvHistory;
}

/** The path's segments, empty ones (a trailing `/`) dropped. */
export const segmentsOf = (p: string): string[] => p.split("/").filter((s) => s !== "");

/** The file a write of `sub` would create, or null for a path no file can have (kind `tree-path` swallowed: the request answers 404). */
function newFileOf(mount: KvFolderMount, sub: string): string | null {
  try {
    return secretFileOf(mount.writes, mount, sub).abs;
  } catch {
    return null;
  }
}

/** The secret `sub` (below the mount's data prefix) names, or null when it names none (the mount's top, a bad path). */
export async function locateKvSecret(mount: KvFolderMount, sub: string): Promise<KvSecret | null> {
  const segments = segmentsOf(sub);
  if (segments.length === 0) return null;
  // One HEAD for the lookup and the history: the caches answer both for that commit.
  const head = await mount.writes.history.head();
  const file = mount.writes.files.fileFor(mount.root, segments, head) ?? newFileOf(mount, sub);
  if (!file) return null;
  const metadataFile = mount.writes.metadata.load(mount.root);
  const metadata = secretMetadata(metadataFile, relativeSlash(mount.root, file));
  const repoFile = relativeSlash(mount.repo.top, file);
  const history = await versionsOf(mount.writes, repoFile, { metadata, config: metadataFile.config ?? {} }, head);
  return { file, repoFile, metadata, history };
}

/**
 * Version `n` of the secret (0: the current one) as read.ts answers it, or null when there is no
 * such version or the server's identity cannot open it: such a version is not served (kv-files.ts).
 */
export async function readServedVersion(mount: KvFolderMount, secret: KvSecret, n: number): Promise<KvRead | null> {
  try {
    return await readVersion({ repo: mount.repo, keys: mount.keys, versions: mount.writes.versions }, secret.repoFile, n, { history: secret.history, metadata: secret.metadata });
  } catch (e) {
    if (e instanceof SecretsError && e.kind === "no-key") return null;
    throw e;
  }
}
