import { isMap, parseDocument } from "yaml";
import { SecretsError } from "../errors.js";
import { loadStore } from "../files/format.js";
import { unsetPath } from "../sops/path.js";
import { Branch, Comment, type Value } from "../sops/tree.js";
import { treeLeaves } from "../sops/walk.js";
import { parseDotenv, withoutEntries } from "./dotenv.js";

/**
 * A file to import from: a `.env`, a JSON or a YAML file. It gives its entries (leaves: a key path and
 * a value) and can produce itself without some of them. A `.env` keeps every other byte; JSON is
 * written back the way sops writes JSON (key order and exact numbers kept, indentation detected);
 * YAML through the `yaml` library's document model, which keeps comments and formatting of the rest.
 */

export type SourceFormat = "dotenv" | "json" | "yaml";

export interface SourceEntry {
  keyPath: string[];
  value: Value;
}

export interface Source {
  format: SourceFormat;
  entries: SourceEntry[];
  /** The file's new content without the entries at these key paths (emptied maps removed too). */
  without(keyPaths: ReadonlyArray<readonly string[]>): Uint8Array;
}

export function sourceFormatFor(file: string): SourceFormat {
  const f = file.toLowerCase();
  if (f.endsWith(".json")) return "json";
  if (f.endsWith(".yaml") || f.endsWith(".yml")) return "yaml";
  return "dotenv";
}

/** The entries of a source: every value that is not a non-empty map (an empty map is one entry). */
function leaves(b: Branch): SourceEntry[] {
  // Only maps are descended into, so every segment is a key.
  return Array.from(treeLeaves(b, { listsAsLeaves: true, emptyAsLeaves: true }), ({ path, value }) => ({ keyPath: path as string[], value }));
}

function keyId(kp: readonly string[]): string {
  return JSON.stringify(kp);
}

function dotenvSource(bytes: Uint8Array): Source {
  const text = Buffer.from(bytes).toString("utf8");
  const all = parseDotenv(text);
  // A name given twice: the last one is what a dotenv loader sees; all its lines move together.
  const last = new Map(all.map((e) => [e.key, e]));
  return {
    format: "dotenv",
    entries: [...last.values()].sort((a, b) => a.start - b.start).map((e) => ({ keyPath: [e.key], value: e.value })),
    without(keyPaths) {
      const drop = new Set(keyPaths.filter((k) => k.length === 1).map((k) => k[0]!));
      return Buffer.from(withoutEntries(text, all, (e) => drop.has(e.key)), "utf8");
    },
  };
}

/** Removes maps left empty by the removal of `kp`, from the deepest up. */
function pruneEmpty(root: Branch, kp: readonly string[]): void {
  for (let d = kp.length - 1; d >= 1; d--) {
    let node: Value | undefined = root;
    for (const k of kp.slice(0, d)) node = node instanceof Branch ? node.get(k) : undefined;
    if (!(node instanceof Branch) || node.items.some((x) => !(x instanceof Comment))) return;
    unsetPath(root, kp.slice(0, d));
  }
}

function detectJsonIndent(text: string): number {
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m) return 0;
  return m[1]!.startsWith("\t") ? -1 : m[1]!.length;
}

async function jsonSource(bytes: Uint8Array): Promise<Source> {
  const store = await loadStore("json");
  const text = Buffer.from(bytes).toString("utf8");
  const indent = detectJsonIndent(text);
  return {
    format: "json",
    entries: leaves(store.parsePlain(bytes)[0]!),
    without(keyPaths) {
      const branch = store.parsePlain(bytes)[0]!;
      for (const kp of keyPaths) {
        unsetPath(branch, kp);
        pruneEmpty(branch, kp);
      }
      return store.emitPlain([branch], { indent });
    },
  };
}

async function yamlSource(bytes: Uint8Array): Promise<Source> {
  const store = await loadStore("yaml");
  const branches = store.parsePlain(bytes);
  if (branches.length > 1) throw new SecretsError("parse", "a YAML file with several documents cannot be imported");
  const entries = leaves(branches[0] ?? new Branch());
  const text = Buffer.from(bytes).toString("utf8");
  return {
    format: "yaml",
    entries,
    without(keyPaths) {
      const doc = parseDocument(text);
      if (doc.errors.length) throw new SecretsError("parse", "the YAML file cannot be rewritten: it does not parse");
      for (const kp of keyPaths) {
        if (!doc.hasIn(kp)) throw new SecretsError("parse", `the YAML file cannot be rewritten: ${kp.join(".")} is not a plain key path (anchors, merge keys or non-string keys)`);
        doc.deleteIn(kp);
        for (let d = kp.length - 1; d >= 1; d--) {
          const parent = doc.getIn(kp.slice(0, d), true);
          if (!isMap(parent) || parent.items.length) break;
          doc.deleteIn(kp.slice(0, d));
        }
      }
      return Buffer.from(doc.toString({ lineWidth: 0 }), "utf8");
    },
  };
}

export async function parseSource(format: SourceFormat, bytes: Uint8Array): Promise<Source> {
  if (format === "dotenv") return dotenvSource(bytes);
  if (format === "json") return jsonSource(bytes);
  return yamlSource(bytes);
}

export { keyId };
