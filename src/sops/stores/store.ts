import type { Branch, PlainValue, StoredDocument } from "../tree.js";

export type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";

export interface EmitOptions {
  /**
   * Indentation: YAML spaces (default 4), JSON spaces (default -1 = one tab; 0 = none). Ignored by
   * dotenv and INI. Mirrors sops' `--indent` and `.sops.yaml` `stores.*.indent`.
   */
  indent?: number;
}

/**
 * A store turns one file format into the tree and back (sops' `stores/*`). It knows nothing of
 * encryption: encrypted values are plain `ENC[...]` strings (and `ENC[...]` comments) to it, and the
 * metadata is opaque plain data that it nests (YAML, JSON, binary) or flattens (dotenv, INI).
 *
 * Every method throws a `SecretsError` of kind `parse` (bad input) or `dump` (a tree the format cannot
 * hold, e.g. a nested map in dotenv), with a one-line message that never quotes a value. The file
 * name is attached by the caller.
 */
export interface Store {
  readonly format: Format;

  /**
   * Reads a file that sops would treat as encrypted: the metadata (`sops` key, `sops_*` keys, or
   * `[sops]` section) is taken out of the data. `metadata` is null when the file has none; the
   * caller decides whether that is an error.
   */
  parseEncrypted(input: Uint8Array): StoredDocument;

  /** Reads a plaintext file. A `sops` key in it is left in the data (the caller rejects it). */
  parsePlain(input: Uint8Array): Branch[];

  /** Writes an encrypted document, metadata placed as sops 3.13 places it. */
  emitEncrypted(doc: { branches: Branch[]; metadata: PlainValue }, options?: EmitOptions): Uint8Array;

  /** Writes a plaintext document (decrypt output). */
  emitPlain(branches: Branch[], options?: EmitOptions): Uint8Array;

  /**
   * Writes a single value extracted from the tree (`decrypt --extract` on a non-string leaf), in
   * this format's syntax. Only YAML and JSON support it; others throw kind `dump`.
   */
  emitValue?(value: import("../tree.js").Value, options?: EmitOptions): Uint8Array;
}
