import { SecretsError } from "../errors.js";
import { loadStore } from "../files/format.js";
import { parseMetadata, type Metadata } from "../sops/metadata.js";
import type { Format } from "../sops/stores/store.js";
import { parseFastYaml } from "../sops/stores/yaml-fast.js";
import { toPlainValue, type PlainValue } from "../sops/tree.js";

/**
 * Reading only the `sops` metadata of a file, without decrypting and, where the file is laid out the
 * way sops writes it, without parsing its data.
 *
 * `verify` and `policy diff` look at the recipients of thousands of files. Parsing a whole YAML file
 * costs ~10x more than parsing its metadata block (measured on 2,000 small files: ~500 ms against
 * ~60 ms), so for YAML the `sops:` block at the end is cut out and read alone, and for JSON the final
 * `"sops"` object. Anything not in the shape sops writes (several YAML documents, an unusual layout,
 * dotenv and INI, which are cheap anyway) goes through the format's full store, so the answer is the
 * store's answer, only faster.
 */

export type MetadataRead =
  | { kind: "encrypted"; metadata: Metadata }
  /** No sops metadata: a plaintext file. */
  | { kind: "plain" }
  /** Zero bytes: holds no secret (sops refuses to encrypt it). */
  | { kind: "empty" };

const dec = new TextDecoder("utf-8", { fatal: false });

/** Reads the metadata of `bytes` in `format`. Throws SecretsError kind `metadata` or `parse` when it is malformed. */
export async function readMetadata(bytes: Uint8Array, format: Format): Promise<MetadataRead> {
  if (bytes.length === 0) return { kind: "empty" };
  const plain = await metadataPlain(bytes, format);
  if (plain === null) return { kind: "plain" };
  return { kind: "encrypted", metadata: parseMetadata(plain) };
}

async function metadataPlain(bytes: Uint8Array, format: Format): Promise<PlainValue | null> {
  if (format === "yaml" || format === "json" || format === "binary") {
    const text = dec.decode(bytes);
    // Every sops file names its metadata key; a file without the word has none.
    if (!text.includes("sops")) return null;
    const fast = fastMetadataPlain(text, format);
    if (fast !== undefined) return fast;
  }
  const store = await loadStore(format);
  try {
    return store.parseEncrypted(bytes).metadata;
  } catch (e) {
    // A binary file is anything at all; only one that parses as sops' JSON is encrypted.
    if (format === "binary" && e instanceof SecretsError && e.kind === "parse") return null;
    throw e;
  }
}

/** The metadata block cut out of sops-shaped YAML or JSON text; undefined when the text is not in that shape. */
export function fastMetadataPlain(text: string, format: "yaml" | "json" | "binary"): PlainValue | undefined {
  return format === "yaml" ? yamlBlock(text) : jsonBlock(text);
}

/**
 * The `sops:` block of a single-document YAML file written by go-yaml: a top-level `sops:` line and
 * the indented lines after it. undefined when the file is not in that shape.
 */
function yamlBlock(text: string): PlainValue | undefined {
  const start = text.startsWith("sops:") ? 0 : text.indexOf("\nsops:") + 1;
  if (start === 0 && !text.startsWith("sops:")) return undefined;
  // Several documents: only the first one's metadata counts; leave that to the store.
  if (/^(---|\.\.\.)/m.test(text.slice(text.startsWith("---\n") ? 4 : 0))) return undefined;
  let end = start;
  for (;;) {
    const nl = text.indexOf("\n", end);
    if (nl < 0) {
      end = text.length;
      break;
    }
    end = nl + 1;
    const c = text.charCodeAt(end);
    // The block ends at the first line that is not indented (a following top-level key or comment).
    if (end < text.length && c !== 32 && c !== 10) break;
  }
  if (end < text.length) return undefined; // sops writes its block last; anything else is unusual
  const branches = parseFastYaml(text.slice(start, end));
  const m = branches?.[0]?.get("sops");
  return m === undefined || branches![0]!.items.length !== 1 ? undefined : toPlainValue(m);
}

/**
 * The `"sops"` object of a JSON file: the last key of the top-level object. undefined when the file
 * is not in that shape.
 */
function jsonBlock(text: string): PlainValue | undefined {
  const key = text.lastIndexOf('"sops"');
  if (key < 0) return undefined;
  let i = key + 6;
  while (/\s/.test(text[i] ?? "")) i++;
  if (text[i] !== ":") return undefined;
  i++;
  while (/\s/.test(text[i] ?? "")) i++;
  if (text[i] !== "{") return undefined;
  const open = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) break;
  }
  if (depth !== 0) return undefined;
  // Only the closing brace of the top-level object may follow: the key was the last one at the top.
  if (!/^\s*\}\s*$/.test(text.slice(i + 1))) return undefined;
  // …and it must be a key of the top-level object, not of the last nested one: before it, a comma
  // (or the opening brace) at depth 1. Checked cheaply by parsing the prefix's nesting.
  if (depthAt(text, key) !== 1) return undefined;
  try {
    return JSON.parse(text.slice(open, i + 1)) as PlainValue;
  } catch {
    return undefined;
  }
}

/** Object/array nesting depth at `pos`, skipping strings. */
function depthAt(text: string, pos: number): number {
  let depth = 0;
  for (let i = 0; i < pos; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < pos && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return depth;
}
