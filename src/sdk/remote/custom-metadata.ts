import { boolean, null as nullType, number, record, string, union } from "zod/mini";
import { SecretsError } from "../../errors.js";
import type { SecretMetadata } from "../../secrets/types.js";
import { parseWith } from "../../util/zod-error.js";

/**
 * Where the SDK keeps `set(path, value, { metadata })` on a server: in the secret's KV version 2
 * `custom_metadata`, one entry per key, named `sdk-metadata:` + the key's path inside the secret
 * (`sdk-metadata:password`, `sdk-metadata:postgres/password`), whose value is the metadata as JSON
 * (`{"owner":"team-db","ttl_days":90}`).
 *
 * Why there: the files keep metadata next to the value, in clear, readable by whoever reads the
 * repository, covered by the MAC (src/secrets/entries.ts). custom_metadata is what Vault has for
 * the same purpose: not secret (served with `read` on `<mount>/metadata/`), in clear (on
 * `secrets serve`, in the mount's `.kv-metadata.yaml`, committed), and it works on any Vault, where
 * a sibling key would be just another value of the secret. The prefix keeps these entries apart
 * from a person's own (`vault kv metadata put -custom-metadata owner=…`); JSON keeps numbers,
 * booleans and null, which custom_metadata's strings would not. Vault's limits apply: at most 64
 * entries per secret, a name of at most 128 bytes, a JSON text of at most 512 bytes.
 */

export const METADATA_ENTRY_PREFIX = "sdk-metadata:";

export function metadataEntryName(keyPath: readonly string[]): string {
  return METADATA_ENTRY_PREFIX + keyPath.join("/");
}

export function encodeMetadata(metadata: SecretMetadata): string {
  return JSON.stringify(metadata);
}

const StoredMetadata = record(string(), union([string(), number(), boolean(), nullType()]));

/** An entry's metadata; kind `metadata` (an IntegrityError to the caller) when it is not a JSON map of scalars. */
export function decodeMetadata(text: string, what: string): SecretMetadata {
  const fail = (): SecretsError => new SecretsError("metadata", `the custom_metadata entry of ${what} is not the SDK's metadata (a JSON map of strings, numbers, booleans and null)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail();
  }
  return parseWith(StoredMetadata, parsed, () => fail());
}
