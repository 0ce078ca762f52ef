import { promises as fsp } from "node:fs";
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { objectId } from "../../git/repo.js";
import type { SecretKvMetadata } from "./metadata-file.js";
import { vaultTime } from "./time.js";
import { VaultTextError } from "../vault-errors.js";
import { bytesOf, commitChanges, editRecord, keyExists, vaultPathOf, withSecret, writeTime, type Change, type KvActor, type KvMount, type KvWriteContext } from "./write-context.js";

/**
 * `POST <mount>/metadata/<path>` (path_metadata.go `pathMetadataWrite`) and `DELETE` of it
 * (`pathMetadataDelete`), over the mount's `.kv-metadata.yaml` (docs/server.md).
 */

/** Go's strconv.ParseBool, which Vault's TypeBool falls back to for strings. */
const GoBool = z.union([
  z.boolean(),
  z.enum(["1", "t", "T", "TRUE", "true", "True"]).transform(() => true),
  z.enum(["0", "f", "F", "FALSE", "false", "False"]).transform(() => false),
]);

/** `max_versions` (TypeInt, stored as uint32 in types.proto). */
const MaxVersions = z.union([z.number().int(), z.string().regex(/^[+-]?\d+$/).transform(Number)]).pipe(z.number().int().min(0).max(0xffffffff));

/** Go's time.ParseDuration units, in seconds. */
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * `delete_version_after` (TypeDurationSecond, parseutil.ParseDurationSecond): a number of seconds,
 * a string of digits (seconds), or a Go duration such as `1h30m`; whole seconds.
 */
const DurationSeconds = z.union([
  z.number().int().min(0),
  z.string().transform((s, ctx) => {
    const t = s.trim();
    if (/^\d+$/.test(t)) return Number(t);
    const parts = [...t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)];
    if (t === "" || parts.map((p) => p[0]).join("") !== t) {
      ctx.addIssue({ code: "custom", message: `invalid duration ${JSON.stringify(s)}` });
      return z.NEVER;
    }
    return Math.floor(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0));
  }),
]);

/** The fields of a metadata write; others are ignored (Vault warns about them, the route may too). */
export const KvMetadataInput = z.object({
  max_versions: MaxVersions.optional(),
  cas_required: GoBool.optional(),
  delete_version_after: DurationSeconds.optional(),
  /** Values as mapstructure.WeakDecode turns them into strings (parseCustomMetadata). */
  custom_metadata: z
    .record(z.string(), z.union([z.string(), z.number().transform(String), z.boolean().transform((b) => (b ? "1" : "0")), z.null().transform(() => "")]))
    .optional(),
});
export type KvMetadataInput = z.output<typeof KvMetadataInput>;

/** path_metadata.go's limits on custom_metadata. */
const MAX_KEYS = 64;
const MAX_KEY_BYTES = 128;
const MAX_VALUE_BYTES = 512;
const PREFIX = "custom_metadata validation failed";
/** strutil.Printable: every rune passes unicode.IsPrint (letters, marks, numbers, punctuation, symbols, ASCII space). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Go's %q, close enough for messages (JSON escapes control characters as \u00XX where Go writes \x..). */
const quote = (s: string) => JSON.stringify(s);

/**
 * path_metadata.go `validateCustomMetadata`: the errors in the text go-multierror gives them
 * ("1 error occurred:\n\t* …\n\n"), or null. Over 64 keys stops at that one error, as Vault does.
 */
export function customMetadataErrors(m: Readonly<Record<string, string>>): string | null {
  const errs: string[] = [];
  const count = Object.keys(m).length;
  if (count > MAX_KEYS) errs.push(`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${count}`);
  else {
    for (const [key, value] of Object.entries(m)) {
      const kl = Buffer.byteLength(key, "utf8");
      const vl = Buffer.byteLength(value, "utf8");
      if (kl === 0 || kl > MAX_KEY_BYTES) errs.push(`${PREFIX}: length of key ${quote(key)} is ${kl} but must be 0 < len(key) <= ${MAX_KEY_BYTES}`);
      if (vl === 0 || vl > MAX_VALUE_BYTES) errs.push(`${PREFIX}: length of value for key ${quote(key)} is ${vl} but must be 0 < len(value) <= ${MAX_VALUE_BYTES}`);
      if (!PRINTABLE.test(key)) errs.push(`${PREFIX}: key ${quote(key)} (${key}) contains unprintable characters`);
      if (!PRINTABLE.test(value)) errs.push(`${PREFIX}: value for key ${quote(key)} contains unprintable characters`);
    }
  }
  if (errs.length === 0) return null;
  if (errs.length === 1) return `1 error occurred:\n\t* ${errs[0]}\n\n`;
  return `${errs.length} errors occurred:\n\t${errs.map((e) => `* ${e}`).join("\n\t")}\n\n`;
}

/** pathMetadataWrite's warning when the mount mandates check-and-set. */
export const CAS_MANDATED_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

export interface KvMetadataWriteResult {
  /** Vault's response warnings (none: Vault answers 204). */
  warnings: string[];
}

/**
 * Writes the secret's settings: only the fields given change, as in Vault; a key with no version
 * yet gets its record (and `created_time`). `delete_version_after` is not supported yet (versions
 * never expire by age): only 0 is accepted. Errors are kind `usage` (400) with Vault's messages.
 */
export async function writeMetadata(ctx: KvWriteContext, mount: KvMount, kvPath: string, raw: unknown, actor: KvActor): Promise<KvMetadataWriteResult> {
  const parsed = KvMetadataInput.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SecretsError("usage", `invalid ${issue.path.join(".") || "metadata"}: ${issue.message}`);
  }
  const input = parsed.data;
  if (input.max_versions === undefined && input.cas_required === undefined && input.delete_version_after === undefined && input.custom_metadata === undefined) {
    return { warnings: [] };
  }
  if (input.custom_metadata !== undefined) {
    const errors = customMetadataErrors(input.custom_metadata);
    if (errors !== null) throw new VaultTextError("usage", errors);
  }
  if (input.delete_version_after !== undefined && input.delete_version_after !== 0) {
    throw new SecretsError("usage", "delete_version_after is not supported by this server: versions do not expire by age");
  }
  return withSecret(ctx, mount, kvPath, async (s) => {
    const warnings = input.cas_required === false && s.config.cas_required ? [CAS_MANDATED_WARNING] : [];
    const date = writeTime(ctx);
    const record: SecretKvMetadata = { ...s.record };
    if (!keyExists(s)) record.created_time = vaultTime(date.toISOString());
    if (input.max_versions !== undefined) record.max_versions = input.max_versions;
    if (input.cas_required !== undefined) record.cas_required = input.cas_required;
    if (input.custom_metadata !== undefined) {
      if (Object.keys(input.custom_metadata).length) record.custom_metadata = input.custom_metadata;
      else delete record.custom_metadata;
    }
    await editRecord(ctx, s, record, async (meta) => {
      await commitChanges(ctx, [meta], `write metadata of ${vaultPathOf(mount, s)}`, actor, date);
    });
    return { warnings };
  });
}

/**
 * Deletes the key: all its versions and its metadata, in one commit that removes the file and
 * replaces its record with a history marker (`versions_after`: the commit before this one), so
 * that the key no longer exists and its next write is version 1, as in Vault. Nothing happens
 * when the key does not exist. Git history still holds every version's ciphertext (see
 * docs/server.md on destroy).
 */
export async function deleteMetadata(ctx: KvWriteContext, mount: KvMount, kvPath: string, actor: KvActor): Promise<void> {
  await withSecret(ctx, mount, kvPath, async (s) => {
    if (!keyExists(s)) return;
    const changes: Array<Change | null> = [];
    if ((await objectId(ctx.repo, `HEAD:${s.file}`)) !== null) {
      changes.push({ abs: s.abs, before: await bytesOf(s.abs) });
      await fsp.rm(s.abs, { force: true });
    }
    // Under the file's lock no other write of it can land before this commit: every version so far is HEAD's ancestor.
    // A key with only metadata keeps the marker it had (the versions before it stay hidden).
    const after = s.history.currentVersion > 0 ? await objectId(ctx.repo, "HEAD") : s.record.versions_after;
    const marker: SecretKvMetadata | null = after ? { versions_after: after } : null;
    const date = writeTime(ctx);
    await editRecord(ctx, s, marker, async (meta) => {
      await commitChanges(ctx, [...changes, meta], `delete ${vaultPathOf(mount, s)} and all its versions`, actor, date);
    });
  });
}

/** A metadata patch: the write's fields, with `custom_metadata` keys set to null to remove them (parseCustomMetadata filters nils). */
const KvMetadataPatch = KvMetadataInput.extend({
  custom_metadata: z
    .record(z.string(), z.union([z.string(), z.number().transform(String), z.boolean().transform((b) => (b ? "1" : "0")), z.null()]))
    .optional(),
});

/**
 * `PATCH <mount>/metadata/<path>` (path_metadata.go `pathMetadataPatch`): a JSON merge patch of the
 * key's settings. Only an existing key can be patched: null answers Vault's bare 404. Within
 * `custom_metadata`, a key set to null is removed and the others are set; the remaining
 * metadata must still meet Vault's limits. Errors are kind `usage` with Vault's messages.
 */
export async function patchMetadata(ctx: KvWriteContext, mount: KvMount, kvPath: string, raw: unknown, actor: KvActor): Promise<KvMetadataWriteResult | null> {
  const parsed = KvMetadataPatch.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SecretsError("usage", `invalid ${issue.path.join(".") || "metadata"}: ${issue.message}`);
  }
  const input = parsed.data;
  const given = input.custom_metadata === undefined ? undefined : Object.fromEntries(Object.entries(input.custom_metadata).filter((e): e is [string, string] => e[1] !== null));
  if (given !== undefined) {
    const errors = customMetadataErrors(given);
    if (errors !== null) throw new VaultTextError("usage", errors);
  }
  if (input.delete_version_after !== undefined && input.delete_version_after !== 0) {
    throw new SecretsError("usage", "delete_version_after is not supported by this server: versions do not expire by age");
  }
  return withSecret(ctx, mount, kvPath, async (s) => {
    if (!keyExists(s)) return null;
    const warnings = input.cas_required === false && s.config.cas_required ? [CAS_MANDATED_WARNING] : [];
    const record: SecretKvMetadata = { ...s.record };
    if (input.max_versions !== undefined) record.max_versions = input.max_versions;
    if (input.cas_required !== undefined) record.cas_required = input.cas_required;
    if (input.custom_metadata !== undefined) {
      const patchKeys = input.custom_metadata;
      const kept = Object.entries(record.custom_metadata ?? {}).filter(([key]) => !Object.hasOwn(patchKeys, key));
      const set = Object.entries(patchKeys).filter((e): e is [string, string] => e[1] !== null);
      const merged = Object.fromEntries([...kept, ...set]);
      if (Object.keys(merged).length) record.custom_metadata = merged;
      else delete record.custom_metadata;
    }
    const date = writeTime(ctx);
    await editRecord(ctx, s, record, async (meta) => {
      await commitChanges(ctx, [meta], `patch metadata of ${vaultPathOf(mount, s)}`, actor, date);
    });
    return { warnings };
  });
}
