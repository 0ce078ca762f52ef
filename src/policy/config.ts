/**
 * `.sops.yaml`: discovery, loading, and the choice of a creation rule for a file (docs/sops-format.md §10).
 *
 * Errors are SecretsError kind `config`, one line, shaped like compiler output so editors can jump
 * to them: `/repo/.sops.yaml:12:9: creation_rules[1].age: invalid age recipient "age1…": bad checksum`.
 * The config path is in the message itself, so callers should not also attach it with `withFile`.
 */
import fs from "node:fs";
import path from "node:path";
import {
  Alias,
  Document,
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from "yaml";
import type { $ZodIssue } from "zod/v4/core";
import { SecretsError } from "../errors.js";
import type { Format } from "../sops/stores/store.js";
import { compileGoRegexp, GoRegexpError } from "../util/go-regexp.js";
import { parseWith } from "../util/zod-error.js";
export { CONFIG_FILE_NAME, findConfig, lookupConfig } from "./discover.js";
import { checkRecipient, splitRecipients } from "./recipient.js";
import {
  KNOWN_KEYS,
  encryptionOptionsSet,
  tooManyEncryptionOptions,
  YAML11_TRUE,
  SopsConfigSchema,
  type CreationRule,
  type EncryptionRuleKind,
  type KeyGroup,
  type SopsConfig,
} from "./schema.js";


export type ConfigPath = ReadonlyArray<string | number>;

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

export interface ResolvedRule {
  /** 0-based index of the rule in `creation_rules`. */
  index: number;
  /** Line of the rule in the config file. */
  line: number | undefined;
  pathRegex: string | undefined;
  /** One group for the flat form; `key_groups` replace it. Recipients trimmed and de-duplicated per group. */
  keyGroups: Array<{ age: string[] }>;
  /** As configured (omitted when absent or 0, which means "all groups"). */
  shamirThreshold?: number;
  /** The rule's encryption option; absent means sops' default, `unencrypted_suffix: _unencrypted`. */
  encryptionRule?: { kind: EncryptionRuleKind; value: string };
  macOnlyEncrypted: boolean;
  /** Key types in the effective groups that we keep but cannot encrypt to (`pgp`, `kms`, …), sorted. */
  unsupportedKeyTypes: string[];
}

export interface MatchOptions {
  /**
   * Check that the rule gives keys we can encrypt to (default true): every group has at least one age
   * recipient, and the Shamir threshold fits the groups. Pass false when key flags on the command line
   * replace the rule's keys (sops' precedence); the rule must still match, as in sops.
   */
  requireKeys?: boolean;
  /**
   * Throw when no rule matches (default true, as sops). Pass false when key flags replace the rule's
   * keys: the file is then encrypted with the flags alone and this returns null.
   */
  requireMatch?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Loading

function configError(file: string, pos: { line: number; col: number } | undefined, message: string, cause?: unknown): SecretsError {
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return new SecretsError("config", `${where}: ${message}`, cause === undefined ? {} : { cause });
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

/** `creation_rules[1].key_groups[0].age` */
export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of p) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out ? "." : "") + String(seg);
  }
  return out;
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

// ---------------------------------------------------------------------------------------------
// YAML AST helpers

function isMergeKey(pair: Pair<unknown, unknown>): boolean {
  const k = pair.key;
  return isScalar(k) && (k.source === "<<" || k.value === "<<" || typeof k.value === "symbol");
}

function deref(doc: Document.Parsed, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = (n as Alias).resolve(doc);
  return n;
}

function findPair(doc: Document.Parsed, map: YAMLMap, key: string | number, depth = 0): Pair<unknown, unknown> | undefined {
  for (const pair of map.items) {
    const k = pair.key;
    if (isScalar(k) && !isMergeKey(pair) && String(k.value) === String(key)) return pair;
  }
  if (depth > 20) return undefined;
  // Keys that came in through `<<: *anchor`. Later sources lose to earlier ones, as in the yaml package.
  for (const pair of map.items) {
    if (!isMergeKey(pair)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const s of sources) {
      const target = deref(doc, s);
      if (isMap(target)) {
        const found = findPair(doc, target, key, depth + 1);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * The node at `at`, or the deepest existing ancestor (so a missing key reports its parent's line).
 * Aliases are followed; the last one crossed is returned too, so a message can say where it was used.
 */
function nodeAt(doc: Document.Parsed, at: ConfigPath): { node: YamlNode | undefined; alias: Alias | undefined } {
  let node: unknown = doc.contents;
  let best = node as YamlNode | undefined;
  let alias: Alias | undefined;
  const follow = (n: unknown) => {
    if (isAlias(n)) alias = n;
    return deref(doc, n);
  };
  for (const seg of at) {
    node = follow(node);
    let next: unknown;
    if (isMap(node)) {
      const pair = findPair(doc, node, seg);
      if (!pair) break;
      next = pair.value ?? pair.key;
      if (next === null || (isScalar(next) && next.range === undefined)) next = pair.key;
    } else if (isSeq(node) && typeof seg === "number") {
      next = node.items[seg];
    } else {
      break;
    }
    if (next === undefined || next === null) break;
    node = next;
    best = node as YamlNode;
  }
  const last = follow(best);
  if (last && typeof last === "object") best = last as YamlNode;
  return { node: best, alias };
}

/** Anchored scalars that are recipients; anchors under the top-level `keys:` win over later ones. */
function anchorNames(doc: Document.Parsed): { recipientNames: Map<string, string>; namedRecipients: Map<string, string> } {
  const recipientNames = new Map<string, string>();
  const namedRecipients = new Map<string, string>();
  const collect = (root: unknown) =>
    visit(root as YamlNode, {
      Scalar(_key, node) {
        if (!node.anchor || typeof node.value !== "string") return;
        const recipient = node.value.trim();
        if (!checkRecipient(recipient).ok) return;
        if (!recipientNames.has(recipient)) recipientNames.set(recipient, node.anchor);
        if (!namedRecipients.has(node.anchor)) namedRecipients.set(node.anchor, recipient);
      },
    });
  if (isMap(doc.contents)) {
    const keys = findPair(doc, doc.contents, "keys");
    if (keys && keys.value) collect(keys.value);
  }
  if (doc.contents) collect(doc.contents);
  return { recipientNames, namedRecipients };
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

// ---------------------------------------------------------------------------------------------
// Rule choice

const FLAT_NON_AGE = ["pgp", "kms", "gcp_kms", "azure_keyvault", "hc_vault_transit_uri", "hckms"] as const;
const GROUP_NON_AGE = ["pgp", "kms", "gcp_kms", "azure_keyvault", "hc_vault", "hckms"] as const;

function nonEmpty(v: unknown): boolean {
  if (typeof v === "string") return splitRecipients(v).length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return false;
}

interface GroupKeys {
  age: string[];
  other: Set<string>;
}

function flatGroup(rule: CreationRule): GroupKeys {
  const entries = rule.age == null ? [] : typeof rule.age === "string" ? [rule.age] : rule.age;
  const other = new Set<string>();
  for (const t of FLAT_NON_AGE) if (nonEmpty(rule[t])) other.add(t);
  return { age: dedupe(entries.flatMap(splitRecipients)), other };
}

function groupKeys(group: KeyGroup, depth = 0): GroupKeys {
  if (depth > 50) throw new SecretsError("config", "key_groups merge nesting is too deep");
  const age: string[] = [];
  const other = new Set<string>();
  // As sops' extractMasterKeys: merged groups first, then this group's own keys.
  for (const m of group.merge ?? []) {
    const sub = groupKeys(m, depth + 1);
    age.push(...sub.age);
    sub.other.forEach((t) => other.add(t));
  }
  for (const entry of group.age ?? []) age.push(...splitRecipients(entry));
  for (const t of GROUP_NON_AGE) if (nonEmpty(group[t])) other.add(t);
  return { age: dedupe(age), other };
}

type Pos = { line: number; col: number };

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === "string" && (YAML11_TRUE as readonly string[]).includes(v));
}

/** Keys sorted by where they appear in the file (unknown positions last, stable). */
function byPosition<T extends string>(positionOf: (key: T) => Pos | undefined, keys: readonly T[]): T[] {
  const key = (k: T) => {
    const p = positionOf(k);
    return p ? p.line * 1e6 + p.col : Number.MAX_SAFE_INTEGER;
  };
  return [...keys].sort((a, b) => key(a) - key(b));
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** The encryption option of a rule; throws when it has more than one (empty strings are "unset", as in sops). */
function encryptionRuleOf(rule: CreationRule, positionOf: (key: string) => Pos | undefined, fail: (at: ConfigPath, msg: string) => never) {
  const set = encryptionOptionsSet(rule);
  if (set.length > 1) {
    const ordered = byPosition(positionOf, set);
    fail([ordered[1]!], tooManyEncryptionOptions(ordered));
  }
  const kind = set[0];
  return kind === undefined ? undefined : { kind, value: rule[kind] as string };
}

/**
 * The creation rule for `filePath` (docs/sops-format.md §10): the path is made absolute, the config directory and a
 * separator are stripped from its front when it lies below it, and the first rule without a
 * `path_regex`, or whose regex matches (RE2, unanchored), wins.
 *
 * Throws SecretsError kind `config` when no rule matches, when the config has no `creation_rules`
 * (sops then treats the config as absent; with `requireKeys: false` this returns null instead), and,
 * unless `requireKeys` is false, when the rule gives no age recipients to encrypt to.
 */
export function matchRule(config: LoadedConfig, configDir: string, filePath: string): ResolvedRule;
export function matchRule(config: LoadedConfig, configDir: string, filePath: string, opts: MatchOptions): ResolvedRule | null;
export function matchRule(config: LoadedConfig, configDir: string, filePath: string, opts: MatchOptions = {}): ResolvedRule | null {
  const requireKeys = opts.requireKeys ?? true;
  const rules = config.data.creation_rules;
  const fail = (at: ConfigPath, message: string): never => {
    throw configError(config.path, config.positionOf(at), message);
  };
  if (rules == null) {
    if (!requireKeys) return null;
    throw configError(config.path, undefined, `no creation_rules, so no keys to encrypt ${filePath} with`);
  }

  const abs = path.resolve(filePath);
  const dir = path.resolve(configDir);
  // sops: strings.TrimPrefix(filePath, configDir + separator).
  const prefix = dir + path.sep;
  const rel = abs.startsWith(prefix) ? abs.slice(prefix.length) : abs;

  let index = -1;
  for (let i = 0; i < rules.length; i++) {
    const regex = rules[i]!.path_regex;
    if (regex == null || regex === "") {
      index = i;
      break;
    }
    let re: RegExp;
    try {
      re = compileGoRegexp(regex);
    } catch (e) {
      const reason = e instanceof GoRegexpError ? e.message : String(e);
      return fail(["creation_rules", i, "path_regex"], `creation_rules[${i}].path_regex: invalid regular expression: ${reason}`);
    }
    if (re.test(rel)) {
      index = i;
      break;
    }
  }
  if (index < 0) {
    if (opts.requireMatch === false) return null;
    const shown = rel === filePath ? `"${filePath}"` : `"${filePath}" (matched as "${rel}")`;
    throw configError(config.path, undefined, `no matching creation rules found for ${shown}`);
  }

  const rule = rules[index]!;
  const at = (...rest: Array<string | number>): ConfigPath => ["creation_rules", index, ...rest];
  const name = `creation_rules[${index}]`;
  const encryptionRule = encryptionRuleOf(
    rule,
    (key) => config.positionOf(at(key)),
    (p, msg) => fail(at(...p), `${name}: ${msg}`),
  );

  const useGroups = (rule.key_groups?.length ?? 0) > 0;
  const groups: GroupKeys[] = useGroups ? rule.key_groups!.map((g) => groupKeys(g)) : [flatGroup(rule)];
  const unsupported = new Set<string>();
  groups.forEach((g) => g.other.forEach((t) => unsupported.add(t)));

  const threshold = rule.shamir_threshold ?? 0;
  if (requireKeys) {
    groups.forEach((g, j) => {
      if (g.age.length > 0) return;
      const where = useGroups ? `${name}.key_groups[${j}]` : name;
      const atPath = useGroups ? at("key_groups", j) : at();
      if (g.other.size > 0) {
        fail(atPath, `${where} has only ${[...g.other].sort().join(", ")} keys; gitops-secrets encrypts to age recipients only, so add an age recipient to it`);
      }
      fail(atPath, `${where} has no keys; add an age recipient to it`);
    });
    if (groups.length >= 2 && threshold !== 0) {
      if (threshold < 2) fail(at("shamir_threshold"), `${name}: shamir_threshold must be at least 2 with ${groups.length} key groups (or 0 for all of them)`);
      if (threshold > groups.length) {
        fail(at("shamir_threshold"), `${name}: shamir_threshold ${threshold} is more than the ${groups.length} key groups`);
      }
    }
  }

  const resolved: ResolvedRule = {
    index,
    line: config.positionOf(at())?.line,
    pathRegex: rule.path_regex || undefined,
    keyGroups: groups.map((g) => ({ age: g.age })),
    macOnlyEncrypted: isTrue(rule.mac_only_encrypted),
    unsupportedKeyTypes: [...unsupported].sort(),
  };
  if (threshold > 0) resolved.shamirThreshold = threshold;
  if (encryptionRule) resolved.encryptionRule = encryptionRule;
  return resolved;
}

/** The anchor name of a recipient when the config names it (`&alice age1…`), else the recipient itself. */
export function recipientLabel(config: LoadedConfig | null | undefined, recipient: string): string {
  return config?.recipientNames.get(recipient) ?? recipient;
}

// ---------------------------------------------------------------------------------------------
// Stores

/**
 * The indent the store should use, from `stores.*.indent`, with sops' defaults and go-yaml's clamp:
 * YAML 0/absent → 4, 1 or more than 9 → 2 (go-yaml's emitter does that); JSON (and binary, which sops
 * writes as JSON with the `json_binary` options) absent → -1, meaning one tab. dotenv and INI have no
 * indent: undefined.
 */
export function storeIndent(config: LoadedConfig | null | undefined, format: Format | "json_binary"): number | undefined {
  const stores = config?.data.stores;
  switch (format) {
    case "yaml": {
      const v = stores?.yaml?.indent ?? 0;
      if (v === 0) return 4;
      return v < 2 || v > 9 ? 2 : v;
    }
    case "json":
      return stores?.json?.indent ?? -1;
    case "binary":
    case "json_binary":
      return stores?.json_binary?.indent ?? -1;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// `secrets init`

export interface InitialConfigOptions {
  /** The anchor naming the recipient (default `me`). */
  name?: string | undefined;
  /** The rule's path_regex (default `(^|/)secrets/`). */
  pathRegex?: string | undefined;
}

export const DEFAULT_INIT_PATH_REGEX = "(^|/)secrets/";

/**
 * The text of a fresh `.sops.yaml`: the recipient named by an anchor under `keys:`, and one rule for
 * files in any `secrets/` directory. The default regex is `(^|/)secrets/` rather than `^secrets/`:
 * paths are matched relative to the config directory, so both match `secrets/app.yaml`, but only the
 * former also matches `apps/api/secrets/db.yaml` in a monorepo, which is what someone who just ran
 * `secrets init` at the repo root expects; it still needs a whole `secrets` path component
 * (`mysecrets/` does not match). Throws SecretsError kind `usage` for a bad recipient or anchor.
 */
export function renderInitialConfig(recipient: string, opts: InitialConfigOptions = {}): string {
  const anchor = opts.name || "me";
  const regex = opts.pathRegex ?? DEFAULT_INIT_PATH_REGEX;
  const r = recipient.trim();
  const check = checkRecipient(r);
  if (!check.ok) throw new SecretsError("usage", `invalid age recipient: ${check.reason}`);
  if (r.includes(",") || r.includes("\n")) throw new SecretsError("usage", "give exactly one recipient");
  if (!/^[A-Za-z0-9_-]+$/.test(anchor)) {
    throw new SecretsError("usage", `invalid anchor name "${anchor}" (use letters, digits, _ and -)`);
  }
  try {
    compileGoRegexp(regex);
  } catch (e) {
    throw new SecretsError("usage", `invalid path regex: ${e instanceof Error ? e.message : String(e)}`);
  }
  const quote = (s: string) => JSON.stringify(s);
  // ssh recipients contain spaces; JSON strings are valid YAML double-quoted scalars.
  const value = check.kind === "ssh" ? quote(r) : r;
  return [
    "# .sops.yaml: which keys encrypt which files (read by gitops-secrets and by sops).",
    "# `keys:` names each recipient with a YAML anchor (&name); rules refer to it as *name.",
    "# The first creation rule whose path_regex matches the file path (relative to this file) wins.",
    "keys:",
    `  - &${anchor} ${value}`,
    "creation_rules:",
    `  - path_regex: ${quote(regex)}`,
    "    key_groups:",
    "      - age:",
    `          - *${anchor}`,
    "",
  ].join("\n");
}
