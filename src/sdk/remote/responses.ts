import { array, boolean, custom, int, looseObject, nullable, optional, record, string } from "zod/mini";

/**
 * The Vault answers the SDK's client of a server reads, as zod schemas (vault-plugin-secrets-kv
 * path_data.go and path_metadata.go, and Vault's error body). Loose objects: a server may add
 * fields (Vault adds some in new versions); only what the client uses is checked. A secret's data
 * is checked to be a map and kept as the JSON reader gave it (exact integers, key order, a
 * `__proto__` key as an own key), never copied through zod.
 */

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `{"errors":[…]}`: every error answer (a 404 of a missing secret has an empty list). */
export const ErrorBody = looseObject({ errors: array(string()) });

/** A version's metadata, in a data read (200, or the 404 of a deleted or destroyed version). */
export const VersionMetadata = looseObject({
  version: int(),
  custom_metadata: optional(nullable(record(string(), string()))),
  deletion_time: optional(string()),
  destroyed: optional(boolean()),
});

/** `GET <mount>/data/<path>`: 200 with the data, or 404 with `data: null` for a deleted or destroyed version. */
export const DataReadBody = looseObject({
  data: looseObject({
    data: nullable(custom<Record<string, unknown>>(isMap)),
    metadata: VersionMetadata,
  }),
});

/** `POST <mount>/data/<path>`: the new version's metadata. */
export const WriteBody = looseObject({ data: looseObject({ version: int() }) });

/** `LIST <mount>/metadata/<folder>/`: names, a folder's ending with `/`. */
export const ListBody = looseObject({ data: looseObject({ keys: array(string()) }) });
