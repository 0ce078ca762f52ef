import { SecretsError } from "../errors.js";
import type { PlainValue } from "./tree.js";

/**
 * The `sops` metadata block (`stores/stores.go`, `stores/metadata.go`). Parsed leniently like sops
 * (any key order, weak typing of `"2"`/`"true"` from flattened formats, `null` or `[]` for empty key
 * lists), and written in sops 3.13's order: alphabetical at every level.
 *
 * Validation is hand-written rather than a zod schema on purpose: this runs on every decrypt, and
 * zod's import alone costs more than decrypting a 1,000-value file (see bench/). The shape is small
 * and fixed by sops, not user configuration.
 */

/** The six options choosing which values are encrypted (docs/sops-format.md §4); a file or rule uses at most one. */
export const encryptionRuleKinds = [
  "unencrypted_suffix",
  "encrypted_suffix",
  "unencrypted_regex",
  "encrypted_regex",
  "unencrypted_comment_regex",
  "encrypted_comment_regex",
] as const;

export type EncryptionRuleKind = (typeof encryptionRuleKinds)[number];

export interface EncryptionRule {
  kind: EncryptionRuleKind;
  value: string;
}

/** sops' default when no rule was chosen; it is written to the file. */
export const defaultEncryptionRule: EncryptionRule = { kind: "unencrypted_suffix", value: "_unencrypted" };

export interface AgeKey {
  recipient: string;
  /** The armored age file holding this key's copy of the data key (or Shamir share). */
  enc: string;
}

/** Master key types we do not implement (pgp, kms, …): kept verbatim so a rewrite loses nothing. */
export type ForeignKeys = Record<string, PlainValue[]>;

export interface KeyGroup {
  age: AgeKey[];
  foreign: ForeignKeys;
}

export interface Metadata {
  keyGroups: KeyGroup[];
  /** 0 when unset. Only meaningful with two or more groups. */
  shamirThreshold: number;
  lastModified: string;
  /** The encrypted MAC (`ENC[…]`), or "" when the file has none. */
  mac: string;
  encryptionRule: EncryptionRule;
  macOnlyEncrypted: boolean;
  /** "" when missing (files re-serialized by other tools); sops itself refuses those. */
  version: string;
  /** Keys sops does not know: preserved (sops drops them). */
  extra: Record<string, PlainValue>;
}

const foreignKeyTypes = ["pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"] as const;
const knownKeys = new Set<string>([
  "age",
  ...foreignKeyTypes,
  "key_groups",
  "shamir_threshold",
  "lastmodified",
  "mac",
  "mac_only_encrypted",
  "version",
  ...encryptionRuleKinds,
]);

function bad(msg: string): SecretsError {
  return new SecretsError("metadata", `invalid sops metadata: ${msg}`);
}

function isObject(v: unknown): v is Record<string, PlainValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asString(v: PlainValue | undefined, what: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw bad(`${what} must be a string`);
}

function asList(v: PlainValue | undefined, what: string): PlainValue[] {
  if (v === undefined || v === null || v === "") return [];
  if (Array.isArray(v)) return v;
  throw bad(`${what} must be a list`);
}

function asBool(v: PlainValue | undefined, what: string): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (typeof v === "string" && /^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  throw bad(`${what} must be a boolean`);
}

function asInt(v: PlainValue | undefined, what: string): number {
  if (v === undefined || v === null || v === "") return 0;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0) throw bad(`${what} must be a non-negative integer`);
  return n;
}

function parseGroup(o: Record<string, PlainValue>, where: string): KeyGroup {
  const age = asList(o.age, `${where}age`).map((e, i) => {
    if (!isObject(e)) throw bad(`${where}age[${i}] must be a mapping`);
    const recipient = asString(e.recipient, `${where}age[${i}].recipient`).trim();
    const enc = asString(e.enc, `${where}age[${i}].enc`);
    if (!recipient || !enc) throw bad(`${where}age[${i}] needs recipient and enc`);
    return { recipient, enc };
  });
  const foreign: ForeignKeys = {};
  for (const t of foreignKeyTypes) {
    const l = asList(o[t], `${where}${t}`);
    if (l.length) foreign[t] = l;
  }
  return { age, foreign };
}

/** Parses the plain `sops` block of a file. Throws SecretsError kind `metadata`. */
export function parseMetadata(plain: PlainValue): Metadata {
  if (!isObject(plain)) throw bad("the sops key must hold a mapping");
  const lastModified = asString(plain.lastmodified, "lastmodified");
  if (!lastModified) throw bad("lastmodified is missing");
  const rules = encryptionRuleKinds.filter((k) => plain[k] !== undefined && plain[k] !== null && plain[k] !== "");
  if (rules.length > 1) throw bad(`more than one encryption rule (${rules.join(", ")})`);
  const encryptionRule: EncryptionRule = rules[0]
    ? { kind: rules[0], value: asString(plain[rules[0]], rules[0]) }
    : // Files without any rule (e.g. written by other tools) behave as sops' default.
      defaultEncryptionRule;

  let keyGroups: KeyGroup[];
  const kg = asList(plain.key_groups, "key_groups");
  if (kg.length) {
    keyGroups = kg.map((g, i) => {
      if (!isObject(g)) throw bad(`key_groups[${i}] must be a mapping`);
      return parseGroup(g, `key_groups[${i}].`);
    });
  } else {
    keyGroups = [parseGroup(plain, "")];
  }
  if (keyGroups.every((g) => g.age.length === 0 && Object.keys(g.foreign).length === 0)) {
    throw bad("no keys found in file");
  }
  const extra: Record<string, PlainValue> = {};
  for (const [k, v] of Object.entries(plain)) if (!knownKeys.has(k)) extra[k] = v;
  return {
    keyGroups,
    shamirThreshold: asInt(plain.shamir_threshold, "shamir_threshold"),
    lastModified,
    mac: asString(plain.mac, "mac"),
    encryptionRule,
    macOnlyEncrypted: asBool(plain.mac_only_encrypted, "mac_only_encrypted"),
    version: asString(plain.version, "version"),
    extra,
  };
}

function sortKeys(o: Record<string, PlainValue>): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

function sortDeep(v: PlainValue): PlainValue {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (isObject(v)) {
    const out: Record<string, PlainValue> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep(v[k]!);
    return out;
  }
  return v;
}

function groupToPlain(g: KeyGroup, inKeyGroups: boolean): Record<string, PlainValue> {
  const o: Record<string, PlainValue> = {};
  // Inside key_groups, sops' group struct has no omitempty on `age` and `hc_vault` (docs/sops-format.md §6.3).
  if (g.age.length || inKeyGroups) o.age = g.age.map((a) => ({ enc: a.enc, recipient: a.recipient }));
  for (const [t, l] of Object.entries(g.foreign)) if (l.length) o[t] = l.map(sortDeep);
  if (inKeyGroups && !o.hc_vault) o.hc_vault = [];
  return o;
}

/** The plain `sops` block as sops 3.13 writes it (alphabetical keys at every level). */
export function metadataToPlain(m: Metadata): Record<string, PlainValue> {
  const o: Record<string, PlainValue> = {};
  if (m.keyGroups.length > 1) {
    o.key_groups = m.keyGroups.map((g) => sortKeys(groupToPlain(g, true)));
  } else if (m.keyGroups[0]) {
    Object.assign(o, groupToPlain(m.keyGroups[0], false));
  }
  if (m.shamirThreshold) o.shamir_threshold = m.shamirThreshold;
  o.lastmodified = m.lastModified;
  o.mac = m.mac;
  o[m.encryptionRule.kind] = m.encryptionRule.value;
  if (m.macOnlyEncrypted) o.mac_only_encrypted = true;
  if (m.version) o.version = m.version;
  for (const [k, v] of Object.entries(m.extra)) o[k] = v;
  return sortKeys(o);
}

/** Every age recipient of the file, across groups. */
export function allAgeRecipients(m: Metadata): string[] {
  return m.keyGroups.flatMap((g) => g.age.map((a) => a.recipient));
}
