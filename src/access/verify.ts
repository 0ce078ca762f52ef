import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { loadStore } from "../files/format.js";
import { checkConfigKeys, lintPolicy, type ConfigFinding, type LintFinding } from "../policy/lint.js";
import { uncoveredSecrets } from "../secrets/entries.js";
import { certainlyAllCovered, uncoveredPathText, type UncoveredReason } from "../sops/coverage.js";
import { openDocument } from "../sops/document.js";
import { parseMetadata } from "../sops/metadata.js";
import type { KeySource } from "../sops/keysource.js";
import { isStaleTemp, parseTempName } from "../io/atomic.js";
import { isLockFileName } from "../io/lock.js";
import { mapLimit, repoFiles, scanSecretFiles, type SecretFileState } from "./inventory.js";
import { fastMetadataPlain } from "./metadata.js";
import { Namer, type NamedRecipient } from "./recipients.js";
import { isPolicyFile, RuleBook } from "./rules.js";

/**
 * `secrets verify`: the repository-wide check that every secret file is encrypted, to exactly the
 * recipients its rule names, with well-formed metadata, and (for files one of the caller's keys can
 * open) a MAC that verifies. Without a key nothing is decrypted: only metadata is read.
 */

/** `leftover`: a temp file a killed writer left beside a secret file (`git add -A` would commit it). */
export type ProblemKind = "plaintext" | "drift" | "malformed" | "mac" | "leftover";

export interface Problem {
  file: string;
  kind: ProblemKind;
  /** Index of the creation rule covering the file. */
  rule: number;
  message: string;
  /** For drift: who the file should gain and lose to match its rule. */
  missing?: NamedRecipient[];
  extra?: NamedRecipient[];
}

/**
 * An entry of an encrypted file that its MAC does not cover (`""`, null, `{}`, `[]`, a value in
 * clear): anyone who can write the file can add one without a key. Found without decrypting.
 */
export interface UncoveredFinding {
  file: string;
  /** 0-based YAML document index (0 for every other format). */
  document: number;
  /** The key path in sops' escaped index form, `["a"]["b"][0]`: a path only, never a value. */
  path: string;
  reason: UncoveredReason;
}

export interface VerifyReport {
  /** The `.sops.yaml` path. */
  config: string;
  /** Number of secret files (covered by a rule, empty ones included). */
  files: number;
  /** Empty files under a rule: they hold nothing, so they pass. */
  empty: string[];
  problems: Problem[];
  /** Keys sops ignores and a config without rules: errors for verify (sops accepts them silently). */
  configErrors: ConfigFinding[];
  /** Policy findings (lint); they fail verify only in strict mode. */
  warnings: LintFinding[];
  /** Entries the MAC does not cover; like policy warnings, they fail verify only in strict mode. */
  uncovered: UncoveredFinding[];
  /** Files whose MAC was checked (opened with one of the caller's keys). */
  macChecked: number;
}

export interface VerifyOptions {
  /** Keys to check MACs with, and the recipients they open; omit to check metadata only. */
  keys?: { source: KeySource; recipients: readonly string[] };
}

function problemFor(state: SecretFileState, namer: Namer): Problem | null {
  const rule = state.rule;
  switch (state.status) {
    case "ok":
    case "empty":
      return null;
    case "plaintext":
      return { file: state.file, kind: "plaintext", rule, message: `not encrypted, but creation_rules[${rule}] covers it (encrypt it: secrets encrypt -i ${state.file})` };
    case "malformed":
      return { file: state.file, kind: "malformed", rule, message: `malformed: ${state.problem ?? "unreadable"}` };
    case "drift": {
      const missing = state.delta!.added.map((r) => namer.named(r));
      const extra = state.delta!.removed.map((r) => namer.named(r));
      const parts = [
        ...missing.map((r) => `missing ${r.name ?? r.recipient}`),
        ...extra.map((r) => `extra ${r.name ?? r.recipient}`),
      ];
      const what = parts.length ? parts.join(", ") : "key groups or Shamir threshold differ";
      return { file: state.file, kind: "drift", rule, message: `recipients differ from creation_rules[${rule}]: ${what} (fix: secrets updatekeys --all)`, missing, extra };
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Whether a file in the shape sops writes certainly has no entry its MAC does not cover, from its text
 * alone: most files are, and parsing the data of thousands of them would double what verify costs.
 */
function quicklyAllCovered(bytes: Uint8Array, format: string): boolean {
  if (format !== "yaml" && format !== "json" && format !== "dotenv") return false;
  const text = utf8.decode(bytes);
  if (format === "dotenv") return certainlyAllCovered(text, format);
  // The metadata must be where sops puts it (last, at the top level), so that what precedes it is all the data.
  if (fastMetadataPlain(text, format) === undefined) return false;
  const data = format === "yaml" ? (text.startsWith("sops:") ? "" : text.slice(0, text.indexOf("\nsops:") + 1)) : text.slice(0, text.lastIndexOf('"sops"'));
  return certainlyAllCovered(data, format);
}

/**
 * Parses an encrypted file's data (no key needed) for entries its MAC does not cover and, when one
 * of the caller's keys opens it, checks the MAC: one read and one parse per file for both.
 */
async function checkContent(dir: string, state: SecretFileState, keys: KeySource | null): Promise<{ problem: Problem | null; uncovered: UncoveredFinding[] }> {
  try {
    const bytes = state.bytes ?? (await fs.promises.readFile(path.join(dir, state.file)));
    if (!keys && quicklyAllCovered(bytes, state.format)) return { problem: null, uncovered: [] };
    const store = await loadStore(state.format);
    const stored = store.parseEncrypted(bytes);
    const rule = (state.metadata ?? parseMetadata(stored.metadata)).encryptionRule;
    const uncovered = stored.branches.flatMap((b, document) =>
      uncoveredSecrets(b, rule).map((e) => ({ file: state.file, document, path: uncoveredPathText(e), reason: e.reason })),
    );
    if (keys) await openDocument(stored, keys);
    return { problem: null, uncovered };
  } catch (e) {
    if (!(e instanceof SecretsError)) throw e;
    const kind: ProblemKind = e.kind === "mac-mismatch" || e.kind === "decrypt-tree" ? "mac" : "malformed";
    return { problem: { file: state.file, kind, rule: state.rule, message: e.message }, uncovered: [] };
  }
}

function isWriterFile(name: string): boolean {
  return parseTempName(name) !== undefined || isLockFileName(name);
}

/** Of the listed files, the temp files whose writer is gone. */
function staleWriterFiles(listed: readonly string[]): string[] {
  return listed.filter((f) => isStaleTemp(path.basename(f)));
}

/** Whether a report fails verify: any problem or config error; with `strict`, any policy warning or uncovered entry too. */
export function verifyFailed(report: VerifyReport, strict: boolean): boolean {
  return report.problems.length > 0 || report.configErrors.length > 0 || (strict && (report.warnings.length > 0 || report.uncovered.length > 0));
}

export async function verifyRepository(book: RuleBook, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const config = book.config;
  const listed = await repoFiles(config.dir);
  // Our own temp and lock files are never secret files: a live writer's are skipped, a dead one's named.
  const all = listed.filter((f) => !isWriterFile(path.basename(f)));
  const states = await scanSecretFiles(book, { files: all, keepBytes: true });
  const namer = new Namer(config);
  const problems: Problem[] = staleWriterFiles(listed).map((file) => ({
    file,
    kind: "leftover",
    rule: book.indexFor(file),
    message: "a temp file left by a killed writer (it may hold a copy of the file's data): remove it; the next write of that file also does",
  }));
  for (const s of states) {
    const p = problemFor(s, namer);
    if (p) problems.push(p);
  }

  const mine = new Set(opts.keys?.recipients ?? []);
  const canOpen = (s: SecretFileState) => !!opts.keys && s.actual!.groups.some((g) => g.some((r) => mine.has(r)));
  const encrypted = states.filter((s) => s.status === "ok" || s.status === "drift");
  const results = await mapLimit(encrypted, 8, (s) => checkContent(config.dir, s, canOpen(s) ? opts.keys!.source : null));
  const macChecked = encrypted.filter(canOpen).length;
  const uncovered: UncoveredFinding[] = [];
  for (const r of results) {
    if (r.problem) problems.push(r.problem);
    uncovered.push(...r.uncovered);
  }

  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    config: config.path,
    files: states.length,
    empty: states.filter((s) => s.status === "empty").map((s) => s.file),
    problems,
    configErrors: checkConfigKeys(config),
    warnings: lintPolicy(config, all.filter((f) => !isPolicyFile(f))),
    uncovered: uncovered.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    macChecked,
  };
}
