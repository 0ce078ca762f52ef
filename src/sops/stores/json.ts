import { SecretsError } from "../../errors.js";
import { Branch, Comment, fromPlain, toPlainValue, type PlainValue, type StoredDocument, type Value } from "../tree.js";
import { jsonIndentUnit, parseJsonObject, writeJson } from "./gojson.js";
import { encodeUtf8 } from "./utf8.js";
import type { EmitOptions, Store } from "./store.js";

/**
 * JSON store (sops' `stores/json`). One document, whose top level must be an object. Reading keeps
 * key order and refuses repeated keys (sops keeps them); an integer literal that fits an int64 is an int (sops >= 3.13.2),
 * any other number a float. Writing is `json.Marshal` + `json.Indent` (tab by default) plus a
 * trailing newline, byte for byte what sops 3.10+ writes. JSON has no comments: Comment items are
 * dropped on output.
 */

/** Takes the top-level `sops` entry out of a parsed document. */
export function extractJsonMetadata(branch: Branch): StoredDocument {
  let metadata: PlainValue | null = null;
  const items: Branch["items"] = [];
  for (const it of branch.items) {
    if (!(it instanceof Comment) && it.key === "sops") {
      if (metadata !== null) throw new SecretsError("parse", "the sops key appears twice");
      metadata = toPlainValue(it.value);
      continue;
    }
    items.push(it);
  }
  return { branches: [new Branch(items)], metadata };
}

/** The document with the metadata as its last top-level key, as sops writes it. */
export function withJsonMetadata(branch: Branch, metadata: PlainValue): Branch {
  if (branch.get("sops") !== undefined) throw new SecretsError("dump", 'the data has a top-level "sops" key, which is reserved for the sops metadata');
  return new Branch([...branch.items, { key: "sops", value: fromPlain(metadata) }]);
}

/** A document: encoded, re-indented, plus the trailing newline sops >= 3.10 writes. */
function out(v: Value, options?: EmitOptions): Uint8Array {
  return encodeUtf8(writeJson(v, jsonIndentUnit(options?.indent)) + "\n");
}

export const jsonStore: Store = {
  format: "json",

  parseEncrypted(input: Uint8Array): StoredDocument {
    return extractJsonMetadata(parseJsonObject(input));
  },

  parsePlain(input: Uint8Array): Branch[] {
    return [parseJsonObject(input)];
  },

  emitEncrypted(doc, options?: EmitOptions): Uint8Array {
    return out(withJsonMetadata(doc.branches[0] ?? new Branch(), doc.metadata), options);
  },

  // JSON holds one document: like sops, only the first branch is written.
  emitPlain(branches: Branch[], options?: EmitOptions): Uint8Array {
    return out(branches[0] ?? new Branch(), options);
  },

  // `decrypt --extract` of a non-string leaf: sops encodes and re-indents it like a document, but
  // adds no trailing newline (`EmitValue` is `reindentJSON` alone).
  emitValue(value: Value, options?: EmitOptions): Uint8Array {
    return encodeUtf8(writeJson(value, jsonIndentUnit(options?.indent)));
  },
};
