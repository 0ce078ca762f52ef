import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { SecretsError } from "../../errors.js";
import { KV_METADATA_FILE, parseKvMetadataFile, type KvMetadataFile, type SecretKvMetadata } from "./metadata-file.js";

/**
 * Edits of a mount's `.kv-metadata.yaml` (metadata-file.ts describes it) by the server's writes.
 * The file is reviewed in pull requests, so an edit replaces only the record of the secret it is
 * about: comments and layout elsewhere in the file stay as people wrote them. The result is parsed
 * again with the file's schema before it is written, so the server never commits a file it would
 * refuse to read.
 */

/** The file's text, or null when there is none. */
export async function readKvMetadataText(mountDir: string): Promise<string | null> {
  try {
    return await readFile(path.join(mountDir, KV_METADATA_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SecretsError("read-input", `cannot read ${KV_METADATA_FILE}`, { cause: e });
  }
}

/**
 * The text with the record of `relativePath` replaced by `record` (null or empty: removed), and
 * what it parses to. Version overrides left empty are dropped, and so is an empty `versions` map.
 */
export function withSecretRecord(text: string | null, relativePath: string, record: SecretKvMetadata | null): { text: string; file: KvMetadataFile } {
  const doc = parseDocument(text ?? "");
  if (doc.errors.length) throw new SecretsError("config", `${KV_METADATA_FILE} is not valid YAML`);
  const tidy = record === null ? null : tidyRecord(record);
  if (tidy === null) {
    if (doc.hasIn(["secrets", relativePath])) doc.deleteIn(["secrets", relativePath]);
  } else {
    doc.setIn(["secrets", relativePath], doc.createNode(tidy));
  }
  const out = doc.toString();
  return { text: out, file: parseKvMetadataFile(out) };
}

/** The record without empty version overrides, an empty `versions` map, or null when nothing is left. */
export function tidyRecord(record: SecretKvMetadata): SecretKvMetadata | null {
  const out: SecretKvMetadata = { ...record };
  if (out.versions) {
    const kept = Object.entries(out.versions).filter(([, o]) => o.deletion_time !== undefined || o.destroyed !== undefined);
    if (kept.length) out.versions = Object.fromEntries(kept);
    else delete out.versions;
  }
  return Object.keys(out).length ? out : null;
}
