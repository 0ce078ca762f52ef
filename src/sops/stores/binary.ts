import { SecretsError } from "../../errors.js";
import { Branch, Comment, type StoredDocument } from "../tree.js";
import { encodeUtf8 } from "./utf8.js";
import { jsonStore } from "./json.js";
import type { EmitOptions, Store } from "./store.js";

/**
 * Binary store (sops' `stores/json.BinaryStore`): any file that is not YAML, JSON, dotenv or INI.
 * Its plaintext is the raw file, never decoded, held as one byte value under the key `data`
 * (AAD `data:`). Encrypted, it is the JSON document `{"data": "ENC[…]", "sops": {…}}`, written with
 * the JSON store's rules (`json_binary.indent`, tab by default, trailing newline).
 */
export const binaryStore: Store = {
  format: "binary",

  parseEncrypted(input: Uint8Array): StoredDocument {
    return jsonStore.parseEncrypted(input);
  },

  parsePlain(input: Uint8Array): Branch[] {
    return [new Branch([{ key: "data", value: new Uint8Array(input) }])];
  },

  emitEncrypted(doc, options?: EmitOptions): Uint8Array {
    return jsonStore.emitEncrypted(doc, options);
  },

  /** The bytes under `data`, as they are. sops fails the same way on any other tree. */
  emitPlain(branches: Branch[]): Uint8Array {
    if (branches.length !== 1) throw new SecretsError("dump", "binary output needs exactly one document");
    for (const it of branches[0]!.items) {
      if (it instanceof Comment || it.key !== "data") continue;
      if (it.value instanceof Uint8Array) return new Uint8Array(it.value);
      if (typeof it.value === "string") return encodeUtf8(it.value);
      throw new SecretsError("dump", "binary output needs the data key to hold a string");
    }
    throw new SecretsError("dump", "no binary data found in tree: binary output needs a top-level data key");
  },
};
