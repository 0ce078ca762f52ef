import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { SecretsError } from "../errors.js";
import { parseConfig, type LoadedConfig } from "./load.js";
import { ruleAgeEntries } from "./lint.js";
import { checkRecipient, shortRecipient, splitRecipients } from "./recipient.js";
import { notARecipient } from "../util/safe-text.js";
import { compileGoRegexp } from "../util/go-regexp.js";

/**
 * Editing `.sops.yaml` for `access grant` and `access revoke`, keeping everything else of the file as
 * it is: comments, anchors, blank lines, quoting, key order and the file's own indentation.
 *
 * Edits are made on the text, at positions taken from the parsed document, never by re-serializing
 * it (the yaml package would re-indent sequences and requote scalars). A recipient added to a block
 * list becomes a new line shaped like the list's last item; to a flow list (`[*a, *b]`), a new
 * element. Removal takes the item's line, or the element and its comma. The result is parsed and
 * validated again, and checked to say exactly what was intended, before anyone writes it.
 *
 * Errors are SecretsError kind `config` (the policy cannot be edited this way: edit it by hand) or
 * `usage` (bad arguments); all one line, with the config path and a line number where there is one.
 */

export interface PolicyEdit {
  /** The new text of the policy. */
  text: string;
  /** The config parsed from the new text. */
  config: LoadedConfig;
  /** One line per change, for the user (names, rules, recipients). */
  changes: string[];
}

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  // From the end backwards; of two insertions at one place, the one made first ends up first.
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.start - a.start || b.end - a.end || b.i - a.i);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new SecretsError("config", "overlapping edits of .sops.yaml (edit it by hand)");
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

const NAME_RE = /^[A-Za-z0-9_-]+$/;

class Editor {
  readonly doc: Document.Parsed;
  readonly edits: TextEdit[] = [];
  readonly changes: string[] = [];

  constructor(
    readonly text: string,
    readonly config: LoadedConfig,
  ) {
    this.doc = parseDocument(text, { keepSourceTokens: false });
  }

  fail(pos: number | undefined, message: string): never {
    const line = pos === undefined ? undefined : this.text.slice(0, pos).split("\n").length;
    throw new SecretsError("config", `${this.config.path}${line ? `:${line}` : ""}: ${message}`);
  }

  lineStart(pos: number): number {
    return this.text.lastIndexOf("\n", pos - 1) + 1;
  }

  /** The index just after the newline ending the line that holds `pos` (or the end of the text). */
  lineEnd(pos: number): number {
    const nl = this.text.indexOf("\n", pos);
    return nl < 0 ? this.text.length : nl + 1;
  }

  top(): YAMLMap | null {
    const c = this.doc.contents;
    if (c == null) return null;
    if (!isMap(c)) this.fail(0, "the top level of .sops.yaml must be a mapping");
    return c;
  }

  pair(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  }

  /** The text of a new list item, placed like the last item of a block list. */
  appendToSeq(seq: YAMLSeq, item: string, what: string): void {
    const range = seq.range!;
    if (seq.flow) {
      const close = range[1] - 1;
      if (this.text[close] !== "]") this.fail(range[0], `${what}: cannot find the end of the list`);
      this.edits.push({ start: close, end: close, text: seq.items.length ? `, ${item}` : item });
      return;
    }
    const last = seq.items[seq.items.length - 1] as YamlNode | undefined;
    if (!last?.range) this.fail(range[0], `${what}: an empty block list (edit it by hand)`);
    const lineStart = this.lineStart(last.range[0]);
    const dash = /^(\s*-\s+)/.exec(this.text.slice(lineStart, last.range[0]));
    if (!dash) this.fail(last.range[0], `${what}: unusual list layout (edit it by hand)`);
    const at = this.lineEnd(last.range[1]);
    const nl = at > 0 && this.text[at - 1] !== "\n" ? "\n" : "";
    this.edits.push({ start: at, end: at, text: `${nl}${dash[1]}${item}\n` });
  }

  /** Removes item `index` of a list (its line in a block list, the element and a comma in a flow list). */
  removeFromSeq(seq: YAMLSeq, index: number, what: string): void {
    const node = seq.items[index] as YamlNode;
    const r = node.range!;
    // An anchor (`&alice age1…`) is written before the node's own range.
    const before = this.text.slice(0, r[0]);
    const props = /&[^\s,[\]{}]+\s+$/.exec(before);
    const start = props ? r[0] - props[0].length : r[0];
    if (seq.flow) {
      const next = seq.items[index + 1] as YamlNode | undefined;
      const prev = seq.items[index - 1] as YamlNode | undefined;
      if (next?.range) {
        const nextProps = /&[^\s,[\]{}]+\s+$/.exec(this.text.slice(0, next.range[0]));
        this.edits.push({ start, end: next.range[0] - (nextProps ? nextProps[0].length : 0), text: "" });
      } else if (prev?.range) this.edits.push({ start: prev.range[1], end: r[1], text: "" });
      else this.edits.push({ start, end: r[1], text: "" });
      return;
    }
    const lineStart = this.lineStart(start);
    if (!/^\s*-\s+$/.test(this.text.slice(lineStart, start))) this.fail(r[0], `${what}: unusual list layout (edit it by hand)`);
    this.edits.push({ start: lineStart, end: this.lineEnd(r[1]), text: "" });
  }

  /** Re-parses the edited text; the new config must load (schema, aliases, recipients). */
  result(): PolicyEdit {
    const text = applyEdits(this.text, this.edits);
    let config: LoadedConfig;
    try {
      config = parseConfig(text, this.config.path);
    } catch (e) {
      const reason = e instanceof SecretsError ? e.message.replace(`${this.config.path}:`, "line ") : "invalid result";
      throw new SecretsError("config", `${this.config.path}: the edited policy would not load (${reason}); nothing was written`, { cause: e });
    }
    return { text, config, changes: this.changes };
  }
}

function quoteIfNeeded(recipient: string): string {
  return /^[a-z0-9]+$/.test(recipient) ? recipient : JSON.stringify(recipient);
}

// ---------------------------------------------------------------------------------------------
// grant

export interface GrantInput {
  name: string;
  /** Needed unless `name` is already declared. */
  recipient?: string | undefined;
  /** The path_regex of the rule to add to; a new rule is created when none has it. */
  pathRegex: string;
  /** Key group index, for rules with several groups. */
  group?: number | undefined;
}

export interface GrantEdit extends PolicyEdit {
  recipient: string;
  /** Index of the rule the recipient was added to. */
  rule: number;
  /** True when the rule was created. */
  newRule: boolean;
  /** False when the recipient was already in the rule (nothing to change). */
  changed: boolean;
}

export function grantInPolicy(config: LoadedConfig, text: string, input: GrantInput): GrantEdit {
  const ed: Editor = new Editor(text, config);
  const { name } = input;
  if (!NAME_RE.test(name)) throw new SecretsError("usage", `invalid name "${name}" (use letters, digits, _ and -)`);
  try {
    compileGoRegexp(input.pathRegex);
  } catch (e) {
    throw new SecretsError("usage", `invalid --path regex: ${e instanceof Error ? e.message : String(e)}`);
  }

  const declared = config.namedRecipients.get(name);
  let recipient = input.recipient?.trim();
  if (recipient !== undefined && recipient !== "") {
    const check = checkRecipient(recipient);
    if (!check.ok) throw new SecretsError("usage", `invalid age recipient: ${check.reason}`);
    if (splitRecipients(recipient).length !== 1) throw new SecretsError("usage", "give exactly one recipient");
    if (declared !== undefined && declared !== recipient) {
      throw new SecretsError("usage", `${name} is already declared as ${shortRecipient(declared)}; revoke it first or choose another name`);
    }
    const other = config.recipientNames.get(recipient);
    if (other !== undefined && other !== name) throw new SecretsError("usage", `that recipient is already named ${other}; grant ${other} instead`);
  } else {
    if (declared === undefined) throw new SecretsError("usage", `${name} is not declared under keys: in .sops.yaml; give its age recipient`);
    recipient = declared;
  }

  const top = ed.top();
  // Declare the name under `keys:` when it is new.
  if (declared === undefined) {
    const entry = `&${name} ${quoteIfNeeded(recipient)}`;
    const keysPair = top ? ed.pair(top, "keys") : undefined;
    if (keysPair) {
      const v = keysPair.value;
      if (isSeq(v)) ed.appendToSeq(v, entry, "keys");
      else if (v === null || (isScalar(v) && (v.value === null || v.value === ""))) {
        const key = keysPair.key as YamlNode;
        const at = ed.lineEnd(key.range![1]);
        ed.edits.push({ start: ed.lineStart(key.range![0]), end: at, text: `keys:\n  - ${entry}\n` });
      } else ed.fail((keysPair.key as YamlNode).range?.[0], "keys: is not a list (add the anchor by hand)");
    } else {
      const first = top?.items[0]?.key as YamlNode | undefined;
      const at = first?.range ? ed.lineStart(first.range[0]) : text.length;
      const nl = at > 0 && text[at - 1] !== "\n" ? "\n" : "";
      ed.edits.push({ start: at, end: at, text: `${nl}keys:\n  - ${entry}\n` });
    }
    ed.changes.push(`declare ${name} as ${recipient} under keys:`);
  }

  const rulesPair = top ? ed.pair(top, "creation_rules") : undefined;
  const rules = rulesPair && isSeq(rulesPair.value) ? rulesPair.value : undefined;
  const ruleData = config.data.creation_rules ?? [];
  const index = ruleData.findIndex((r) => (r.path_regex ?? "") === input.pathRegex);
  const alias = `*${name}`;

  if (index < 0) {
    // A new rule, placed before any rule without path_regex (which would otherwise take its files).
    const catchAll = ruleData.findIndex((r) => r.path_regex == null || r.path_regex === "");
    const ruleText = (dash: string) => {
      const pad = " ".repeat(dash.length);
      return `${dash}path_regex: ${JSON.stringify(input.pathRegex)}\n${pad}key_groups:\n${pad}  - age:\n${pad}      - ${alias}\n`;
    };
    let newIndex: number;
    if (rules && !rules.flow && rules.items.length) {
      const items = rules.items as YamlNode[];
      const ref = items[catchAll >= 0 ? catchAll : items.length - 1]!;
      const lineStart = ed.lineStart(ref.range![0]);
      const dash = /^(\s*-\s+)/.exec(text.slice(lineStart, ref.range![0]));
      if (!dash) ed.fail(ref.range![0], "creation_rules: unusual list layout (add the rule by hand)");
      if (catchAll >= 0) {
        ed.edits.push({ start: lineStart, end: lineStart, text: ruleText(dash[1]!) });
        newIndex = catchAll;
      } else {
        const at = ed.lineEnd(ref.range![1]);
        const nl = at > 0 && text[at - 1] !== "\n" ? "\n" : "";
        ed.edits.push({ start: at, end: at, text: nl + ruleText(dash[1]!) });
        newIndex = items.length;
      }
    } else if (!rulesPair || rulesPair.value === null || (isScalar(rulesPair.value) && rulesPair.value.value === null)) {
      if (rulesPair) {
        const key = rulesPair.key as YamlNode;
        ed.edits.push({ start: ed.lineStart(key.range![0]), end: ed.lineEnd(key.range![1]), text: `creation_rules:\n${ruleText("  - ")}` });
      } else {
        const nl = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
        ed.edits.push({ start: text.length, end: text.length, text: `${nl}creation_rules:\n${ruleText("  - ")}` });
      }
      newIndex = 0;
    } else {
      ed.fail((rulesPair.key as YamlNode).range?.[0], "creation_rules is not a block list (add the rule by hand)");
    }
    ed.changes.push(`add creation_rules[${newIndex}] for ${JSON.stringify(input.pathRegex)} readable by ${name}`);
    const result = ed.result();
    return { ...result, recipient, rule: newIndex, newRule: true, changed: true };
  }

  // An existing rule: is the recipient already in the group?
  const ruleNode = rules!.items[index] as YamlNode;
  if (!isMap(ruleNode)) ed.fail(ruleNode.range?.[0], `creation_rules[${index}] is not a mapping`);
  const rule = ruleData[index]! as Record<string, unknown>;
  const groupsPair = ed.pair(ruleNode, "key_groups");
  const useGroups = Array.isArray(rule.key_groups) && rule.key_groups.length > 0;
  const groupCount = useGroups ? (rule.key_groups as unknown[]).length : 1;
  if (input.group !== undefined && (input.group < 0 || input.group >= groupCount)) {
    throw new SecretsError("usage", `--group ${input.group}: creation_rules[${index}] has ${groupCount} key group${groupCount === 1 ? "" : "s"}`);
  }
  if (groupCount > 1 && input.group === undefined) {
    throw new SecretsError("usage", `creation_rules[${index}] has ${groupCount} key groups (Shamir); say which with --group 0..${groupCount - 1}`);
  }
  const g = input.group ?? 0;
  const entries = ruleAgeEntries(rule, ["creation_rules", index]).filter((e) => !useGroups || e.at[3] === g);
  if (entries.some((e) => e.recipient === recipient)) {
    return { text, config, changes: [], recipient, rule: index, newRule: false, changed: false };
  }

  let container: YAMLMap = ruleNode;
  let where = `creation_rules[${index}]`;
  if (useGroups) {
    const seq = groupsPair?.value;
    if (!isSeq(seq)) ed.fail(ruleNode.range?.[0], `${where}.key_groups is not a list (edit it by hand)`);
    const group = seq.items[g];
    if (!isMap(group)) ed.fail((group as YamlNode | undefined)?.range?.[0], `${where}.key_groups[${g}] is an alias or not a mapping (edit it by hand)`);
    container = group;
    where = `${where}.key_groups[${g}]`;
  }
  const agePair = ed.pair(container, "age");
  const age = agePair?.value;
  if (!agePair) ed.fail(container.range?.[0], `${where} has no age list (add ${alias} by hand)`);
  if (isSeq(age)) {
    if ((age as YamlNode).anchor) ed.fail(age.range?.[0], `${where}.age is anchored and shared (&${(age as YamlNode).anchor}); edit it by hand`);
    ed.appendToSeq(age, alias, `${where}.age`);
  } else if ((isScalar(age) && typeof age.value === "string" && !age.anchor) || isAlias(age)) {
    // `age: age1…,age1…` or `age: *alice`: becomes a flow list (sops >= 3.11 reads lists).
    const node = age as YamlNode;
    const items = isAlias(age) ? [`*${age.source}`] : splitRecipients((age as { value: string }).value).map(quoteIfNeeded);
    ed.edits.push({ start: node.range![0], end: node.range![1], text: `[${[...items, alias].join(", ")}]` });
  } else {
    ed.fail((agePair.key as YamlNode).range?.[0], `${where}.age has an unusual form (add ${alias} by hand)`);
  }
  ed.changes.push(`add ${name} to ${where} (${JSON.stringify(input.pathRegex)})`);
  const result = ed.result();
  return { ...result, recipient, rule: index, newRule: false, changed: true };
}

// ---------------------------------------------------------------------------------------------
// revoke

export interface RevokeEdit extends PolicyEdit {
  name: string | null;
  recipient: string;
}

export function revokeInPolicy(config: LoadedConfig, text: string, nameOrRecipient: string): RevokeEdit {
  const ed: Editor = new Editor(text, config);
  const arg = nameOrRecipient.trim();
  let recipient = config.namedRecipients.get(arg);
  let name: string | null = recipient !== undefined ? arg : null;
  if (recipient === undefined) {
    if (!checkRecipient(arg).ok) {
      // A name is an anchor name; anything else may be a secret pasted in the wrong place.
      const secret = notARecipient(arg);
      if (secret !== undefined) throw new SecretsError("usage", `cannot revoke: ${secret}`);
      const named = /^[A-Za-z0-9_-]{1,64}$/.test(arg) ? ` named ${arg}` : " by that name (the name given is not shown)";
      throw new SecretsError("usage", `no recipient${named} in ${config.path}`);
    }
    recipient = arg;
    name = config.recipientNames.get(arg) ?? null;
  }
  const label = name ?? shortRecipient(recipient);

  visit(ed.doc, {
    Alias(key, node, path) {
      if (name === null || node.source !== name) return;
      const parent = path[path.length - 1];
      if (isSeq(parent) && typeof key === "number") ed.removeFromSeq(parent, key, "a list");
      else ed.fail(node.range?.[0], `*${name} is used outside a list (edit it by hand)`);
    },
    Scalar(key, node, path) {
      if (typeof node.value !== "string") return;
      const parent = path[path.length - 1];
      const isRecipient = node.value.trim() === recipient;
      const holds = !isRecipient && node.value.includes(",") && splitRecipients(node.value).includes(recipient);
      if (!isRecipient && !holds) return;
      if (isPair(parent) && parent.key === node) return;
      if (isSeq(parent) && typeof key === "number" && isRecipient) {
        ed.removeFromSeq(parent, key, "a list");
      } else if (holds && !node.anchor) {
        const rest = splitRecipients(node.value).filter((r) => r !== recipient);
        ed.edits.push({ start: node.range![0], end: node.range![1], text: JSON.stringify(rest.join(",")) });
      } else {
        ed.fail(node.range?.[0], `${label} is used here in a way that cannot be removed automatically (edit it by hand)`);
      }
    },
  });
  if (ed.edits.length === 0) throw new SecretsError("usage", `${label} does not appear in ${config.path}`);
  ed.changes.push(`remove ${label} (${recipient}) from ${config.path}`);
  const result = ed.result();

  // The new policy must not name the recipient anywhere, nor leave a rule without keys.
  (result.config.data.creation_rules ?? []).forEach((rule, i) => {
    const r = rule as Record<string, unknown>;
    const entries = ruleAgeEntries(r, ["creation_rules", i]);
    if (entries.some((e) => e.recipient === recipient)) {
      throw new SecretsError("config", `${config.path}: ${label} is still in creation_rules[${i}] after the edit (edit it by hand)`);
    }
    const grouped = Array.isArray(r.key_groups) && r.key_groups.length > 0;
    const groups = grouped ? (r.key_groups as unknown[]).length : 1;
    for (let g = 0; g < groups; g++) {
      const inGroup = grouped ? entries.filter((e) => e.at[3] === g) : entries;
      if (inGroup.length === 0 && hadAge(config, i, g, grouped)) {
        const where = grouped ? `creation_rules[${i}].key_groups[${g}]` : `creation_rules[${i}]`;
        throw new SecretsError("config", `${config.path}: revoking ${label} would leave ${where} with no age recipient; add another recipient to it first`);
      }
    }
  });
  return { ...result, name, recipient };
}

function hadAge(config: LoadedConfig, i: number, g: number, grouped: boolean): boolean {
  const rule = (config.data.creation_rules ?? [])[i];
  if (!rule) return false;
  const entries = ruleAgeEntries(rule, ["creation_rules", i]);
  return grouped ? entries.some((e) => e.at[3] === g) : entries.length > 0;
}
