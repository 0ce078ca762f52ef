import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { deepFreeze } from "../../util/deep-freeze.js";

/**
 * What Vault keeps in a key's metadata but git history cannot say: the mount's `config`, and per
 * secret `max_versions`, `cas_required`, `custom_metadata` and the per-version deletions and
 * destroys that are not file removals. One plaintext file per mount folder, `.kv-metadata.yaml`
 * (a dot-file, so secret listings skip it), committed with the change it records, so that it is
 * reviewed in pull requests like the secrets. Nothing in it is secret: Vault serves all of it to
 * a token with `read` on `metadata/` alone. docs/server.md ("KV version 2 over git") describes it.
 *
 * Versions are named by the commit that created them, not by number: a number is a position in
 * the file's history, which a merge of an older branch can shift, while a commit id cannot move.
 */

export const KV_METADATA_FILE = ".kv-metadata.yaml";

/** A time as the KV plugin prints it (see time.ts), or "" for none. */
const VaultTime = z.union([z.literal(""), z.iso.datetime({ offset: false })]);

/** How many bytes a string has: Vault's limits are on Go's `len`, which counts bytes. */
const bytes = (s: string) => Buffer.byteLength(s, "utf8");
/** strutil.Printable: every rune passes Go's unicode.IsPrint (letters, marks, numbers, punctuation, symbols, ASCII space). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * `custom_metadata` within path_metadata.go's limits (maxCustomMetadataKeys 64,
 * maxCustomMetadataKeyLength 128, maxCustomMetadataValueLength 512, printable keys and values).
 */
export const CustomMetadata = z
  .record(z.string(), z.string())
  .refine((m) => Object.keys(m).length <= 64, { error: "custom_metadata must contain at most 64 keys" })
  .refine((m) => Object.entries(m).every(([k, v]) => bytes(k) > 0 && bytes(k) <= 128 && bytes(v) > 0 && bytes(v) <= 512), {
    error: "custom_metadata keys must be 1 to 128 bytes and values 1 to 512 bytes",
  })
  .refine((m) => Object.entries(m).every(([k, v]) => PRINTABLE.test(k) && PRINTABLE.test(v)), { error: "custom_metadata must be printable" });

/** A git commit id (SHA-1 or SHA-256), full length. */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** What is recorded about one version beyond its commit. */
export const VersionOverride = z.strictObject({
  /**
   * Overrides the deletion time history gives: a time for a version deleted while the file stays
   * (an older version, `delete` with `versions`), "" for one undeleted while the file stays absent
   * or a newer version exists (`undelete` of an older version).
   */
  deletion_time: VaultTime.optional(),
  /** `destroy`: never served again (git history still holds its ciphertext; see docs/server.md). */
  destroyed: z.boolean().optional(),
});
export type VersionOverride = z.infer<typeof VersionOverride>;

/** Vault's per-key settings (KeyMetadata in types.proto), for one secret file. */
export const SecretKvMetadata = z.strictObject({
  max_versions: z.number().int().min(0).max(0xffffffff).optional(),
  cas_required: z.boolean().optional(),
  custom_metadata: CustomMetadata.optional(),
  /** When the metadata was written before any version existed (Vault sets created_time then). */
  created_time: VaultTime.optional(),
  /**
   * Versions are the commits after this one only (`git log <it>..HEAD`): written by a metadata
   * delete, so that the key starts again at version 1 as in Vault, though git keeps the history
   * (a commit id the repository does not have is ignored). A record holding only this is no key
   * metadata: the key does not exist until it is written again ({@link hasKeyMetadata}).
   */
  versions_after: z.string().regex(COMMIT_ID, "a commit is named by its full id").optional(),
  /** Keyed by the commit that created the version. */
  versions: z
    .record(z.string(), VersionOverride)
    // Checked here rather than as the record's key schema, whose failure zod reports without the reason.
    .superRefine((m, ctx) => {
      for (const k of Object.keys(m)) if (!COMMIT_ID.test(k)) ctx.addIssue({ code: "custom", path: [k], message: "a version is named by its full commit id" });
    })
    .optional(),
});
export type SecretKvMetadata = z.infer<typeof SecretKvMetadata>;

/** The mount's `config` endpoint (Configuration in types.proto). */
export const KvConfig = z.strictObject({
  max_versions: z.number().int().min(0).max(0xffffffff).optional(),
  cas_required: z.boolean().optional(),
});
export type KvConfig = z.infer<typeof KvConfig>;

export const KvMetadataFile = z.strictObject({
  config: KvConfig.optional(),
  /** Keyed by the secret file's path relative to the folder holding this file, `/`-separated. */
  secrets: z.record(z.string().min(1), SecretKvMetadata).optional(),
});
export type KvMetadataFile = z.infer<typeof KvMetadataFile>;

/** Parses the file's text (an empty file is an empty record). Kind `config` when it is invalid. */
export function parseKvMetadataFile(text: string, shown = KV_METADATA_FILE): KvMetadataFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    throw new SecretsError("config", `${shown} is not valid YAML`);
  }
  const parsed = KvMetadataFile.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads `<mountDir>/.kv-metadata.yaml`; an absent file is an empty record. */
export async function loadKvMetadataFile(mountDir: string): Promise<KvMetadataFile> {
  const file = path.join(mountDir, KV_METADATA_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new SecretsError("read-input", `cannot read ${KV_METADATA_FILE}`, { cause: e });
  }
  return parseKvMetadataFile(text);
}

/** Whether the record holds key metadata (Vault's `getKeyMetadata` is not nil): anything but the history marker. */
export function hasKeyMetadata(record: SecretKvMetadata | undefined): boolean {
  return record !== undefined && Object.keys(record).some((k) => k !== "versions_after");
}

/** The record of one secret file, named relative to the mount folder; empty when there is none. */
export function secretMetadata(file: KvMetadataFile, relativePath: string): SecretKvMetadata {
  return file.secrets?.[relativePath] ?? {};
}

/**
 * Each mount folder's metadata file for a long-running reader (the server): read at every call, so
 * that a write, a pull or an edit in the checkout is seen by the next request, and parsed again
 * only when its text changed (the text is compared, not a file time: nothing can be missed). The
 * file is small and in the page cache, so it is read synchronously (see git/head.ts). Parsed files
 * are frozen, since every caller shares them. One per server (the KV context), no module state.
 */
export class KvMetadataFiles {
  readonly #seen = new Map<string, { text: string; file: KvMetadataFile }>();

  /** `<mountDir>/.kv-metadata.yaml` as it is now; an absent file is an empty record. Kind `config` when it does not parse. */
  load(mountDir: string): KvMetadataFile {
    const text = readTextNow(path.join(mountDir, KV_METADATA_FILE));
    if (text === null) return EMPTY;
    const seen = this.#seen.get(mountDir);
    if (seen?.text === text) return seen.file;
    const file = deepFreeze(parseKvMetadataFile(text));
    this.#seen.set(mountDir, { text, file });
    return file;
  }
}

const EMPTY: KvMetadataFile = Object.freeze({});

function readTextNow(file: string): string | null {
  try {
    if (statSync(file, { throwIfNoEntry: false }) === undefined) return null;
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SecretsError("read-input", `cannot read ${KV_METADATA_FILE}`, { cause: e });
  }
}
