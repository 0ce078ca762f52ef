/**
 * Loading `.sops.yaml`: read, parse the YAML, validate with the zod schema (docs/sops-format.md §10).
 * Errors are SecretsError kind `config` with the file, line and column (see config-error.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { LineCounter, isAlias, isMap, isSeq, parseAllDocuments, visit, type Document, type Node as YamlNode } from "yaml";
import type { $ZodIssue } from "zod/v4/core";
import { configError, formatPath } from "./config-error.js";
import { anchorNames } from "./labels.js";
import { byPosition, isMergeKey, nodeAt, type ConfigPath } from "./positions.js";
import { KNOWN_KEYS, tooManyEncryptionOptions, SopsConfigSchema, type KeyGroup, type SopsConfig } from "./schema.js";
import { parseWith } from "../util/zod-error.js";

export interface LoadedConfig {
  /** Absolute path of the `.sops.yaml`. */
  readonly path: string;
  /** Its directory (absolute); rule paths are matched relative to it. */
  readonly dir: string;
  /** The validated content. Unknown keys are still in it (loose objects). */
  readonly data: SopsConfig;
  /** Recipient string → the name of the YAML anchor that defines it (`&alice age1…` gives "alice"). */
  readonly recipientNames: ReadonlyMap<string, string>;
  /** Anchor name → recipient, the inverse of recipientNames. */
  readonly namedRecipients: ReadonlyMap<string, string>;
  /** Keys sops ignores (typos such as `path_regexp` included), for a warning. */
  readonly unknownKeys: ReadonlyArray<{ path: string; line: number | undefined }>;
  /** 1-based line and column of the YAML node at a path such as ["creation_rules", 1, "age"]. */
  positionOf(at: ConfigPath): { line: number; col: number } | undefined;
}

/** Reads and validates a `.sops.yaml`. Throws SecretsError kind `config`. */
export function loadConfig(configPath: string): LoadedConfig {
  const abs = path.resolve(configPath);
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw configError(abs, undefined, `cannot read config file (${code})`, e);
  }
  return parseConfig(text, abs);
}

/** Validates `.sops.yaml` text; `configPath` is used for messages and as the base of rule matching. */
export function parseConfig(text: string, configPath: string): LoadedConfig {
  const abs = path.resolve(configPath);
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  // go-yaml's Unmarshal reads the first document; so do we.
  const doc: Document.Parsed | undefined = Array.isArray(parsed) ? parsed[0] : undefined;
  const posAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset));

  if (!doc) return build(abs, {}, undefined, lineCounter);

  const syntax = doc.errors[0];
  if (syntax) {
    throw configError(abs, posAt(syntax.pos[0]), `YAML syntax error: ${oneLine(syntax.message)}`, syntax);
  }

  // Aliases: an unknown one is a syntax error for go-yaml; the yaml package only notices in toJS.
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        throw configError(abs, posAt(node.range?.[0]), `unknown anchor "${node.source}" (an alias *${node.source} must follow its &${node.source})`);
      }
    },
    Pair(_key, pair) {
      if (isMergeKey(pair)) {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const s of sources) {
          const target = isAlias(s) ? s.resolve(doc) : s;
          if (!isMap(target)) {
            const at = (s as YamlNode | null)?.range?.[0] ?? (pair.key as YamlNode | null)?.range?.[0];
            throw configError(abs, posAt(at), "a << merge must refer to a mapping (or a list of mappings)");
          }
        }
      }
    },
  });

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10_000 });
  } catch (e) {
    throw configError(abs, undefined, `cannot read YAML: ${oneLine(e instanceof Error ? e.message : String(e))}`, e);
  }
  return build(abs, value ?? {}, doc, lineCounter);
}

function build(abs: string, value: unknown, doc: Document.Parsed | undefined, lineCounter: LineCounter): LoadedConfig {
  const linePos = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset));
  const positionOf = (at: ConfigPath) => (doc ? linePos(nodeAt(doc, at).node?.range?.[0]) : undefined);
  /** ` (used as *alice at line 4)` when the path crossed an alias. */
  const viaAlias = (at: ConfigPath) => {
    const alias = doc ? nodeAt(doc, at).alias : undefined;
    const pos = linePos(alias?.range?.[0]);
    return alias && pos ? ` (used as *${alias.source} at line ${pos.line})` : "";
  };

  const data = parseWith(SopsConfigSchema, value, (all, cause) => {
    // zod reports in schema order; report the problem that comes first in the file.
    const keyed = all.map(deepestIssue).map((issue) => {
      const p = positionOf(issue.path.filter((s): s is string | number => typeof s !== "symbol"));
      return { issue, order: p ? p.line * 1e6 + p.col : Number.MAX_SAFE_INTEGER };
    });
    const issues = keyed.sort((a, b) => a.order - b.order).map((k) => k.issue);
    let first = issues[0]!;
    if (first.encryptionOptions) {
      // Point at the second option in file order, and name them in that order.
      const base = first.path.slice(0, -1).filter((s): s is string | number => typeof s !== "symbol");
      const ordered = byPosition((k) => positionOf([...base, k]), first.encryptionOptions);
      first = { path: [...base, ordered[1]!], message: tooManyEncryptionOptions(ordered) };
    }
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    const where = first.path.length ? `${formatPath(first.path)}: ` : "";
    const at = first.path.filter((s): s is string | number => typeof s !== "symbol");
    return configError(abs, positionOf(at), `${where}${oneLine(first.message)}${viaAlias(at)}${more}`, cause);
  });

  const { recipientNames, namedRecipients } = doc ? anchorNames(doc) : { recipientNames: new Map(), namedRecipients: new Map() };
  const unknownKeys = findUnknownKeys(data).map((p) => ({ path: formatPath(p), line: positionOf(p)?.line }));

  return { path: abs, dir: path.dirname(abs), data, recipientNames, namedRecipients, unknownKeys, positionOf };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

interface FlatIssue {
  path: PropertyKey[];
  message: string;
  encryptionOptions?: string[];
}

/** For a failed union, the issue of the branch that got furthest (`age: [1]` → `age[0]`: expected string). */
function deepestIssue(issue: $ZodIssue): FlatIssue {
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    let best: FlatIssue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (!first || first.path.length === 0) continue;
      const candidate = deepestIssue(first);
      if (!best || candidate.path.length > best.path.length) best = candidate;
    }
    if (best) return { path: [...issue.path, ...best.path], message: best.message };
  }
  const flat: FlatIssue = { path: [...issue.path], message: issue.message };
  if (issue.code === "custom" && Array.isArray(issue.params?.encryptionOptions)) flat.encryptionOptions = issue.params.encryptionOptions;
  return flat;
}

function findUnknownKeys(data: SopsConfig): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const check = (obj: unknown, known: readonly string[], at: Array<string | number>) => {
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) return;
    for (const k of Object.keys(obj)) if (!known.includes(k)) out.push([...at, k]);
  };
  const group = (g: KeyGroup, at: Array<string | number>) => {
    check(g, KNOWN_KEYS.group, at);
    g.merge?.forEach((m, i) => group(m, [...at, "merge", i]));
  };
  check(data, KNOWN_KEYS.top, []);
  data.creation_rules?.forEach((rule, i) => {
    check(rule, KNOWN_KEYS.rule, ["creation_rules", i]);
    rule.key_groups?.forEach((g, j) => group(g, ["creation_rules", i, "key_groups", j]));
  });
  if (data.stores) {
    check(data.stores, KNOWN_KEYS.stores, ["stores"]);
    for (const s of ["yaml", "json", "json_binary"] as const) check(data.stores[s], KNOWN_KEYS.indentStore, ["stores", s]);
    for (const s of ["dotenv", "ini"] as const) check(data.stores[s], [], ["stores", s]);
  }
  return out;
}
