import { z } from "zod";
import type { ExactPlainValue } from "../../sops/tree.js";
import type { KvConfig, SecretKvMetadata } from "./metadata-file.js";
import { goDuration } from "./time.js";
import type { Attribution, KvHistory, KvVersion } from "./versions.js";

/**
 * The `data` of the KV plugin's responses (what Vault puts under `data` in its envelope), with the
 * field names and types of vault-plugin-secrets-kv v0.26.2: path_metadata.go `pathMetadataRead`,
 * path_data.go `pathDataRead` and `pathDataWrite`. Go's nil maps and nil pointers are JSON `null`,
 * hence `custom_metadata: null` for a key without custom metadata and `deleted_by: null`.
 */

/** types.proto Attribution as encoding/json writes the generated struct (`omitempty` on each field). */
export const AttributionSchema = z.strictObject({
  actor: z.string().optional(),
  operation: z.string().optional(),
  entity_id: z.string().optional(),
  client_id: z.string().optional(),
});

const CustomMetadataOrNull = z.record(z.string(), z.string()).nullable();

/** One entry of the metadata response's `versions` map (path_metadata.go). */
export const KvVersionMetadataSchema = z.strictObject({
  created_time: z.string(),
  deletion_time: z.string(),
  destroyed: z.boolean(),
  deleted_by: AttributionSchema.nullable(),
  created_by: AttributionSchema.nullable(),
});
export type KvVersionMetadata = z.infer<typeof KvVersionMetadataSchema>;

/** `GET <mount>/metadata/<path>` data. */
export const KvMetadataResponseSchema = z.strictObject({
  /** Keyed by the version number in decimal (`fmt.Sprintf("%d", i)`). */
  versions: z.record(z.string().regex(/^[1-9]\d*$/), KvVersionMetadataSchema),
  current_version: z.number().int().min(0),
  oldest_version: z.number().int().min(0),
  created_time: z.string(),
  updated_time: z.string(),
  /** The key's own setting (0: unset), not the effective limit. */
  max_versions: z.number().int().min(0),
  cas_required: z.boolean(),
  /** Go's Duration.String(): "0s" when unset. */
  delete_version_after: z.string(),
  custom_metadata: CustomMetadataOrNull,
  last_updated_by: AttributionSchema.nullable(),
});
export type KvMetadataResponse = z.infer<typeof KvMetadataResponseSchema>;

/** The `metadata` of a data read, and the whole data of a write or patch response (path_data.go). */
export const KvVersionInfoSchema = z.strictObject({
  created_time: z.string(),
  custom_metadata: CustomMetadataOrNull,
  deletion_time: z.string(),
  destroyed: z.boolean(),
  version: z.number().int().min(1),
});
export type KvVersionInfo = z.infer<typeof KvVersionInfoSchema>;

/** `GET <mount>/data/<path>` data: `data` is null for a deleted or destroyed version (served with 404). */
export const KvDataResponseSchema = z.strictObject({
  data: z.record(z.string(), z.unknown()).nullable(),
  metadata: KvVersionInfoSchema,
});
export interface KvDataResponse {
  data: Record<string, ExactPlainValue> | null;
  metadata: KvVersionInfo;
}

const attribution = (a: Attribution | null) => (a ? { actor: a.actor, operation: a.operation } : null);

/** The metadata response for a secret's history and its record in the mount's metadata file. */
export function metadataResponse(history: KvHistory, metadata: SecretKvMetadata = {}): KvMetadataResponse {
  const versions: Record<string, KvVersionMetadata> = {};
  for (const v of history.versions) {
    versions[String(v.version)] = {
      created_time: v.createdTime,
      deletion_time: v.deletionTime,
      destroyed: v.destroyed,
      deleted_by: attribution(v.deletedBy),
      created_by: attribution(v.createdBy),
    };
  }
  return {
    versions,
    current_version: history.currentVersion,
    oldest_version: history.oldestVersion,
    created_time: history.createdTime,
    updated_time: history.updatedTime,
    max_versions: metadata.max_versions ?? 0,
    cas_required: metadata.cas_required ?? false,
    // Not supported yet: versions never expire by age, which is Vault's "0s".
    delete_version_after: goDuration(0),
    custom_metadata: metadata.custom_metadata ?? null,
    last_updated_by: attribution(history.lastUpdatedBy),
  };
}

/** The version part of a data read, and the data of a write or patch response. */
export function versionInfo(v: KvVersion, metadata: SecretKvMetadata = {}): KvVersionInfo {
  return {
    created_time: v.createdTime,
    custom_metadata: metadata.custom_metadata ?? null,
    deletion_time: v.deletionTime,
    destroyed: v.destroyed,
    version: v.version,
  };
}

/** A data read's response: `data` null when the version is not served. */
export function dataResponse(v: KvVersion, data: Record<string, ExactPlainValue> | null, metadata: SecretKvMetadata = {}): KvDataResponse {
  return { data, metadata: versionInfo(v, metadata) };
}

/** Whether `cas_required` applies: the key's or the mount's (path_data.go validateCheckAndSetOption). */
export function casRequired(metadata: SecretKvMetadata | undefined, config: KvConfig | undefined): boolean {
  return (metadata?.cas_required ?? false) || (config?.cas_required ?? false);
}
