import { promises as fsp } from "node:fs";
import { SecretsError } from "../../errors.js";
import { formatForPath, loadStore } from "../../files/format.js";
import { openSecretFile, writeEncryptedFile } from "../../files/secret-file.js";
import { checkWritten } from "../../secrets/repository.js";
import { encryptNew, reencrypt } from "../../sops/document.js";
import { Branch, fromPlain } from "../../sops/tree.js";
import { treeLeaves } from "../../sops/walk.js";
import { sameValue } from "../../git/values.js";
import { checkCas, type WriteOptions } from "./cas.js";
import { mergePatch } from "./merge-patch.js";
import { readVersion } from "./read.js";
import { casRequired, versionInfo, type KvVersionInfo } from "./responses.js";
import { bytesOf, commitChanges, editRecord, headHolds, keyExists, vaultPathOf, withSecret, writeTime, type Change, type KvActor, type KvMount, type KvWriteContext, type SecretState } from "./write-context.js";
import { vaultTime } from "./time.js";
import type { KvVersion } from "./versions.js";

/**
 * Writing KV version 2 secrets over git (docs/server.md): `POST <mount>/data/<path>` (path_data.go
 * `pathDataWrite`), `PATCH` of it (`pathDataPatch`) and `DELETE` of it (`pathDataDelete`). Each is
 * one commit of exactly the files it changed, authored by the token's display name, whose message
 * names the secret's path and never a value. The check-and-set option is checked under the file's
 * lock against the version read under it, so of two writers with the same `cas` exactly one wins.
 */

/** The data of a write: the secret's whole new top-level map (Vault's `data`). */
export type KvData = Readonly<Record<string, unknown>>;

export interface KvWriteRequest extends KvActor {
  /** The body's `options` (`cas`). */
  options?: WriteOptions;
}

/** `no data provided`: path_data.go, for a write or patch without `data`. */
export const NO_DATA = "no data provided";

/**
 * Replaces the secret's data with `data` (Vault writes the whole map: keys left out are gone) as a
 * new version; Vault's write response data. Values that did not change keep their ciphertext (as
 * `secrets set`); a new file is encrypted under the workspace's creation rule for its path. Errors:
 * kind `usage` (400) for no data and for check-and-set (cas.ts), `locked` (503) for a lock held too long.
 */
export async function writeSecret(ctx: KvWriteContext, mount: KvMount, kvPath: string, data: KvData | null | undefined, req: KvWriteRequest): Promise<KvVersionInfo> {
  if (data == null) throw new SecretsError("usage", NO_DATA);
  return withSecret(ctx, mount, kvPath, async (s) => {
    const refused = checkCas(s.history.currentVersion, req.options, casRequired(s.record, s.config));
    if (refused) throw refused;
    return putVersion(ctx, mount, s, data, req);
  });
}

/** What a patch answers: 200 with the new version, or Vault's 404 (with the version's metadata when it is deleted or destroyed). */
export type KvPatchResult = { status: 200; body: KvVersionInfo } | { status: 404; body: KvVersionInfo | null };

/**
 * Applies `patch` (a JSON merge patch, RFC 7396) to the current version's data as a new version.
 * As path_data.go `pathDataPatch`: 404 without a body when the key does not exist; then the
 * check-and-set option; then 404 with the version's metadata when the current version is deleted
 * or destroyed.
 */
export async function patchSecret(ctx: KvWriteContext, mount: KvMount, kvPath: string, patch: KvData | null | undefined, req: KvWriteRequest): Promise<KvPatchResult> {
  if (patch == null) throw new SecretsError("usage", NO_DATA);
  return withSecret(ctx, mount, kvPath, async (s) => {
    if (!keyExists(s)) return { status: 404, body: null };
    const refused = checkCas(s.history.currentVersion, req.options, casRequired(s.record, s.config));
    if (refused) throw refused;
    const current = await readVersion({ repo: ctx.repo, keys: await ctx.workspace.keys(), versions: ctx.versions }, s.file, 0, { history: s.history, metadata: s.record, now: ctx.now?.() });
    if (current === null) return { status: 404, body: null };
    if (current.status === 404 || current.body.data === null) return { status: 404, body: current.body.metadata };
    const merged = mergePatch(current.body.data, patch) as KvData;
    return { status: 200, body: await putVersion(ctx, mount, s, merged, req) };
  });
}

/**
 * Soft-deletes the current version (path_data.go `pathDataDelete`): when the file holds it, a
 * commit removes the file; when it is served some other way (undeleted while the file stays
 * removed), its deletion is recorded in the metadata file. Nothing happens (Vault's 204 all the
 * same) when the key does not exist or its current version is already deleted or destroyed.
 */
export async function deleteLatest(ctx: KvWriteContext, mount: KvMount, kvPath: string, actor: KvActor): Promise<void> {
  await withSecret(ctx, mount, kvPath, async (s) => {
    const current = s.history.versions.find((v) => v.version === s.history.currentVersion);
    if (!current || current.destroyed || isDeleted(current, ctx.now?.() ?? new Date())) return;
    const date = writeTime(ctx);
    await deleteVersionsOf(ctx, s, [current], date, async (changes) => {
      await commitChanges(ctx, changes, `delete ${vaultPathOf(mount, s)} (version ${current.version})`, actor, date);
    });
  });
}

/** Whether a version counts as deleted at `now` (path_data.go: a deletion time before now). */
export function isDeleted(v: KvVersion, now: Date): boolean {
  return v.deletionTime !== "" && Date.parse(v.deletionTime) < now.getTime();
}

/**
 * Deletes `versions` (none deleted or destroyed) of the secret: the one its file holds by removing
 * the file, the others by recording their deletion time. `then` gets the changed files while the
 * metadata file's lock is held, to commit them.
 */
export async function deleteVersionsOf(ctx: KvWriteContext, s: SecretState, versions: readonly KvVersion[], date: Date, then: (changes: Array<Change | null>) => Promise<void>): Promise<void> {
  const changes: Array<Change | null> = [];
  const overrides = { ...s.record.versions };
  for (const v of versions) {
    if (await headHolds(ctx, s.file, v.blob)) {
      const before = await bytesOf(s.abs);
      await fsp.rm(s.abs, { force: true });
      changes.push({ abs: s.abs, before });
    } else {
      overrides[v.commit] = { ...overrides[v.commit], deletion_time: vaultTime(date.toISOString()) };
    }
  }
  const record = { ...s.record, versions: overrides };
  await editRecord(ctx, s, record, (meta) => then([...changes, meta]));
}

/** Writes `data` as the secret's new version and commits it; the write response. */
async function putVersion(ctx: KvWriteContext, mount: KvMount, s: SecretState, data: KvData, actor: KvActor): Promise<KvVersionInfo> {
  const before = await bytesOf(s.abs);
  await writeData(ctx, s, before !== null, data);
  const date = writeTime(ctx);
  const version = s.history.currentVersion + 1;
  // A file HEAD holds is one git tracks: committed without an `add` first.
  await commitChanges(ctx, [{ abs: s.abs, before }], `write ${vaultPathOf(mount, s)} (version ${version})`, actor, date, { tracked: s.history.present && before !== null });
  const created: KvVersion = {
    version,
    commit: "",
    blob: "",
    createdTime: vaultTime(date.toISOString()),
    createdBy: { actor: actor.author.name, operation: version === 1 ? "create" : "update" },
    deletionTime: "",
    deletedBy: null,
    destroyed: false,
  };
  return versionInfo(created, s.record);
}

/** Encrypts `data` into the secret's file, atomically: under the file's keys and rule when it exists, else the creation rule. */
async function writeData(ctx: KvWriteContext, s: SecretState, exists: boolean, data: KvData): Promise<void> {
  let branch: Branch;
  try {
    branch = fromPlain(data) as Branch;
  } catch {
    throw new SecretsError("usage", "the data holds a value JSON cannot carry");
  }
  const keys = await ctx.workspace.keys();
  const format = formatForPath(s.abs);
  let out;
  let store;
  let written = secretKeys(branch);
  if (exists) {
    const opened = await openSecretFile(s.abs, keys);
    // Only what this write changes is its doing: a key it leaves as it was stays as the file kept it,
    // in clear too when the file's rule leaves it so (the SDK's metadata siblings, a `*_unencrypted`
    // note), so that such a file can still be written.
    const current = opened.doc.branches[0];
    written = written.filter(([key]) => current === undefined || !sameValue(current.get(key!), branch.get(key!)));
    // The first document is the secret; any further ones (multi-document YAML) are kept.
    out = reencrypt(opened.doc, [branch, ...opened.doc.branches.slice(1)]);
    store = opened.store;
  } else {
    const creation = await ctx.workspace.creationFor(s.abs);
    out = await encryptNew([branch], creation.recipients, keys, { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
    store = await loadStore(format);
  }
  checkWritten(out.branches[0] ?? new Branch(), written, out.metadata.encryptionRule, s.abs, false);
  await writeEncryptedFile(s.abs, store, out, { indent: await ctx.workspace.indentFor(format) });
}

/**
 * The top-level keys that hold a secret: some non-empty scalar below them. An empty string or a
 * null is written in clear by sops whatever the rule, and holds nothing to protect.
 */
function secretKeys(branch: Branch): string[][] {
  const out: string[][] = [];
  for (const key of branch.keys()) {
    for (const leaf of treeLeaves(branch.get(key)!)) {
      const v = leaf.value;
      if (v !== null && v !== "" && !(v instanceof Uint8Array && v.length === 0)) {
        out.push([key]);
        break;
      }
    }
  }
  return out;
}
