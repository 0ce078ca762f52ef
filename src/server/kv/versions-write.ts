import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { readBlobs } from "../../git/history.js";
import { objectId } from "../../git/repo.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { SecretKvMetadata, VersionOverride } from "./metadata-file.js";
import type { KvVersion } from "./versions.js";
import { bytesOf, commitChanges, editRecord, keyExists, vaultPathOf, versionsOf, withSecret, writeTime, type Change, type KvActor, type KvMount, type KvWriteContext, type SecretState } from "./write-context.js";
import { deleteVersionsOf, isDeleted } from "./write.js";

/**
 * `delete`, `undelete` and `destroy` of chosen versions (path_delete.go `pathDeleteWrite`,
 * `pathUndeleteWrite`; path_destroy.go `pathDestroyWrite`), over git as docs/server.md describes:
 * - delete: the version the file holds is deleted by a commit removing the file, an older one by
 *   its deletion time in the metadata file;
 * - undelete: a version deleted by a removal and still the newest gets its blob back in a new
 *   commit; any other gets its deletion cleared in the metadata file;
 * - destroy: marked in the metadata file, never served again (git history keeps the ciphertext).
 * As in Vault, versions that do not exist (or are no longer kept) and destroyed ones are skipped,
 * a key that does not exist is no error, and an empty list is a 400.
 */

/** path_delete.go, for delete and undelete. */
export const NO_VERSION = "No version number provided";
/** path_destroy.go spells it in lower case. */
export const NO_VERSION_DESTROY = "no version number provided";

/**
 * The `versions` field, as the KV plugin declares it (`framework.TypeCommaIntSlice`): a list of
 * integers or decimal strings, a comma-separated string, or one integer.
 */
export const VersionsField = z.preprocess(
  (v) => (typeof v === "string" ? v.split(",").map((x) => x.trim()).filter((x) => x !== "") : typeof v === "number" ? [v] : v == null ? [] : v),
  z.array(z.union([z.number().int(), z.string().regex(/^[+-]?\d+$/).transform(Number)])),
);

const MESSAGE = { delete: NO_VERSION, undelete: NO_VERSION, destroy: NO_VERSION_DESTROY } as const;

type Operation = keyof typeof MESSAGE;

/** The kept versions among `numbers`, neither destroyed nor (for delete) already deleted; each once. */
function chosen(s: SecretState, numbers: readonly number[], keep: (v: KvVersion) => boolean): KvVersion[] {
  const wanted = new Set(numbers);
  return s.history.versions.filter((v) => wanted.has(v.version) && !v.destroyed && keep(v));
}

async function each(ctx: KvWriteContext, mount: KvMount, kvPath: string, op: Operation, numbers: readonly number[], fn: (s: SecretState) => Promise<void>): Promise<void> {
  if (numbers.length === 0) throw new SecretsError("usage", MESSAGE[op]);
  await withSecret(ctx, mount, kvPath, async (s) => {
    if (keyExists(s)) await fn(s);
  });
}

const message = (op: Operation, mount: KvMount, s: SecretState, versions: readonly KvVersion[]) =>
  `${op} ${vaultPathOf(mount, s)} (version${versions.length === 1 ? "" : "s"} ${versions.map((v) => v.version).join(", ")})`;

/** `POST <mount>/delete/<path>` with `versions`. */
export async function deleteVersions(ctx: KvWriteContext, mount: KvMount, kvPath: string, numbers: readonly number[], actor: KvActor): Promise<void> {
  await each(ctx, mount, kvPath, "delete", numbers, async (s) => {
    const now = ctx.now?.() ?? new Date();
    const versions = chosen(s, numbers, (v) => !isDeleted(v, now));
    if (versions.length === 0) return;
    const date = writeTime(ctx);
    await deleteVersionsOf(ctx, s, versions, date, async (changes) => {
      await commitChanges(ctx, changes, message("delete", mount, s, versions), actor, date);
    });
  });
}

/** The override without its deletion time (what history says of the deletion then applies). */
function withoutDeletion(o: VersionOverride | undefined): VersionOverride {
  return o?.destroyed === undefined ? {} : { destroyed: o.destroyed };
}

/** `POST <mount>/undelete/<path>` with `versions`. */
export async function undeleteVersions(ctx: KvWriteContext, mount: KvMount, kvPath: string, numbers: readonly number[], actor: KvActor): Promise<void> {
  await each(ctx, mount, kvPath, "undelete", numbers, async (s) => {
    const versions = chosen(s, numbers, (v) => v.deletionTime !== "");
    if (versions.length === 0) return;
    // What history alone says of each version: whether clearing the override undeletes it.
    const plain = await versionsOf(ctx, s.file, { config: s.config });
    const headBlob = await objectId(ctx.repo, `HEAD:${s.file}`);
    const overrides: NonNullable<SecretKvMetadata["versions"]> = { ...s.record.versions };
    const changes: Array<Change | null> = [];
    for (const v of versions) {
      const rest = withoutDeletion(overrides[v.commit]);
      if (v.version === s.history.currentVersion && headBlob === null) {
        // The newest version, removed: its own blob put back is its undelete (versions.ts).
        const blob = (await readBlobs(ctx.repo, [v.blob])).get(v.blob);
        if (!blob) throw new SecretsError("generic", `version ${v.version} of ${s.file} is missing from the repository`);
        changes.push({ abs: s.abs, before: await bytesOf(s.abs) });
        await writeFileAtomic(s.abs, blob);
        overrides[v.commit] = rest;
      } else {
        const fromHistory = plain.versions.find((p) => p.commit === v.commit)?.deletionTime ?? "";
        overrides[v.commit] = fromHistory === "" ? rest : { ...rest, deletion_time: "" };
      }
    }
    const date = writeTime(ctx);
    await editRecord(ctx, s, { ...s.record, versions: overrides }, async (meta) => {
      await commitChanges(ctx, [...changes, meta], message("undelete", mount, s, versions), actor, date);
    });
  });
}

/** `POST <mount>/destroy/<path>` with `versions`. */
export async function destroyVersions(ctx: KvWriteContext, mount: KvMount, kvPath: string, numbers: readonly number[], actor: KvActor): Promise<void> {
  await each(ctx, mount, kvPath, "destroy", numbers, async (s) => {
    const versions = chosen(s, numbers, () => true);
    if (versions.length === 0) return;
    const overrides: NonNullable<SecretKvMetadata["versions"]> = { ...s.record.versions };
    for (const v of versions) overrides[v.commit] = { ...overrides[v.commit], destroyed: true };
    const date = writeTime(ctx);
    await editRecord(ctx, s, { ...s.record, versions: overrides }, async (meta) => {
      await commitChanges(ctx, [meta], message("destroy", mount, s, versions), actor, date);
    });
    // Never served again: its plaintext need not stay in memory either.
    for (const v of versions) ctx.versions.forget(v.blob);
  });
}
