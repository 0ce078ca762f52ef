import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath, loadStore } from "../files/format.js";
import { openSecretFile, readInput } from "../files/secret-file.js";
import { writeFileAtomic } from "../io/atomic.js";
import { withUnchangedFile } from "../io/lock.js";
import { emitEncrypted, encryptNew, openWithDataKey, reencrypt, type OpenDocument } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import { defaultEncryptionRule, parseMetadata, type EncryptionRule } from "../sops/metadata.js";
import { getPath, setPath } from "../sops/path.js";
import type { Format, Store } from "../sops/stores/store.js";
import { Branch, type Value } from "../sops/tree.js";
import { toSecretValue } from "../secrets/entries.js";
import { envValue } from "../secrets/env.js";
import { toTypedError } from "../secrets/errors.js";
import { checkWritten } from "../secrets/repository.js";
import type { Creation } from "../workspace/creation.js";
import { classify } from "./classify.js";
import { gitExposure, type HistoryReport } from "./history.js";
import { parseSource, sourceFormatFor, type SourceEntry } from "./source.js";

/**
 * `secrets import`: moves the secrets of a `.env` (or JSON/YAML) file into an encrypted file and
 * leaves the rest behind.
 *
 * Nothing is lost, whatever step fails or is killed. The order is:
 *   1. plan: read and classify the source, open the target (merging: existing values keep their
 *      ciphertext), check the policy would encrypt every moved value, check git history;
 *   2. write the target atomically, then read it back from disk and decrypt the moved values with the
 *      data key to check they are there;
 *   3. rewrite the source atomically, without the moved entries.
 * Each file is replaced by rename, so each is at every instant either its old or its new version. A
 * stop between 2 and 3 leaves the new target beside the old source: every secret is then in both, and
 * running the same import again finishes the job (the values already there are "unchanged").
 */

export type PlanAction = "move" | "keep" | "unchanged" | "replace" | "conflict";

export interface PlanEntry {
  /** The entry's name in the source (`DATABASE_URL`, or `db.password` for nested JSON/YAML). */
  name: string;
  keyPath: string[];
  /** Its secret path when the target is under the secrets root. */
  secretPath?: string;
  action: PlanAction;
  /** Why it is (or is not) a secret; never quotes the value. */
  reason: string;
}

export type ImportStep = "planned" | "secrets-written" | "source-written";

export interface ImportOptions {
  source: string;
  target: string;
  /** The secrets root, to show secret paths in the plan. */
  root?: string;
  all?: boolean;
  dryRun?: boolean;
  /** Replace target values that differ from the source's (otherwise that is an error). */
  overwrite?: boolean;
  keys: KeySource;
  /** How a new target is encrypted (the `.sops.yaml` rule for it). */
  creationFor(file: string): Promise<Creation>;
  indentFor?(format: Format): Promise<number | undefined>;
  /** Check git history for the source (default true). */
  history?: boolean;
  /** Called after each step; lets a caller (tests) observe or stop the import between steps. */
  onStep?: (step: ImportStep) => Promise<void> | void;
}

export interface ImportResult {
  source: string;
  target: string;
  targetExisted: boolean;
  entries: PlanEntry[];
  history: HistoryReport | null;
  wroteTarget: boolean;
  wroteSource: boolean;
}

function canonical(v: Value, rule: EncryptionRule): string {
  const x = toSecretValue(v, rule);
  return JSON.stringify(x, (_k, y: unknown) => (typeof y === "bigint" ? `${y}n` : y));
}

function secretPathOf(root: string | undefined, target: string, keyPath: string[]): string | undefined {
  if (!root) return undefined;
  const rel = path.relative(path.resolve(root), path.resolve(target));
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  const ext = path.extname(rel);
  const segs = rel.slice(0, rel.length - ext.length).split(path.sep);
  if (keyPath.some((k) => k.includes("/"))) return undefined;
  return [...segs, ...keyPath].join("/");
}

/** The string form of source values, for history comparison (git versions parse to strings the same way). */
function stringForms(entries: SourceEntry[]): Map<string, string> {
  return new Map(entries.map((e) => [e.keyPath.join("."), envValue(e.value, defaultEncryptionRule)]));
}

export async function importSecrets(opts: ImportOptions): Promise<ImportResult> {
  const format = sourceFormatFor(opts.source);
  const bytes = await readInput(opts.source);
  const source = await parseSource(format, bytes).catch((e: unknown) => {
    if (e instanceof SecretsError && e.file === undefined) e.file = opts.source;
    throw e;
  });

  // 1. Plan.
  const classified = source.entries.map((e) => {
    const c = opts.all ? { sensitive: true, reason: "--all" } : classify(e.keyPath, typeof e.value === "string" ? e.value : undefined);
    return { entry: e, ...c };
  });
  const moving = classified.filter((c) => c.sensitive);

  const targetExisted = fs.existsSync(opts.target);
  let opened: { doc: OpenDocument; store: Store; format: Format } | null = null;
  // What the target held when the import was planned: it is written only if it still holds that.
  const planned = targetExisted ? await fs.promises.readFile(opts.target).catch(() => null) : null;
  if (targetExisted) {
    try {
      const o = await openSecretFile(opts.target, opts.keys);
      opened = { doc: o.doc, store: o.store, format: o.format };
    } catch (e) {
      throw toTypedError(e);
    }
  }
  const rule = opened?.doc.metadata.encryptionRule ?? defaultEncryptionRule;
  const branch = opened ? (opened.doc.branches[0] ?? new Branch()) : new Branch();

  const entries: PlanEntry[] = classified.map((c) => {
    const name = c.entry.keyPath.join(".");
    const out: PlanEntry = { name, keyPath: c.entry.keyPath, action: "keep", reason: c.reason };
    const sp = secretPathOf(opts.root, opts.target, c.entry.keyPath);
    if (sp !== undefined) out.secretPath = sp;
    if (!c.sensitive) return out;
    const existing = getPath(branch, c.entry.keyPath);
    if (existing === undefined) out.action = "move";
    else if (canonical(existing, rule) === canonical(c.entry.value, rule)) out.action = "unchanged";
    else out.action = opts.overwrite ? "replace" : "conflict";
    return out;
  });

  let history: HistoryReport | null = null;
  if (opts.history !== false && moving.length) {
    const current = stringForms(moving.map((m) => m.entry));
    history = await gitExposure(opts.source, current, async (b) => stringForms((await parseSource(format, b)).entries));
  }
  const result: ImportResult = { source: opts.source, target: opts.target, targetExisted, entries, history, wroteTarget: false, wroteSource: false };

  const conflicts = entries.filter((e) => e.action === "conflict");
  if (opts.dryRun) return result;
  if (conflicts.length) {
    throw new SecretsError("conflict", `${opts.target} already has different values for ${conflicts.map((c) => c.name).join(", ")}; nothing was changed (re-run with --overwrite to replace them)`);
  }
  if (!moving.length) return result;
  await opts.onStep?.("planned");

  // 2. The target: merged, encrypted, checked, written, read back.
  const changed = entries.filter((e) => e.action === "move" || e.action === "replace");
  const movedPaths = moving.map((m) => m.entry.keyPath);
  try {
    if (changed.length) {
      for (const m of moving) setPath(branch, m.entry.keyPath, m.entry.value);
      const targetFormat = opened?.format ?? formatForPath(opts.target);
      const store = opened?.store ?? (await loadStore(targetFormat));
      let out;
      let dataKey: Uint8Array;
      if (opened) {
        const branches = opened.doc.branches.length ? opened.doc.branches : [branch];
        out = reencrypt(opened.doc, branches);
        dataKey = opened.doc.dataKey;
      } else {
        const creation = await opts.creationFor(opts.target);
        const enc = await encryptNew([branch], creation.recipients, opts.keys, { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
        out = enc;
        dataKey = enc.open.dataKey;
      }
      checkWritten(out.branches[0] ?? new Branch(), movedPaths, out.metadata.encryptionRule, opts.target, false);
      const data = emitEncrypted(store, out, { indent: await opts.indentFor?.(targetFormat) });
      if (!opened) await fs.promises.mkdir(path.dirname(path.resolve(opts.target)), { recursive: true });
      await withUnchangedFile(opts.target, planned, "during the import (run the import again)", () => writeFileAtomic(opts.target, data));
      result.wroteTarget = true;
      await verifyTarget(opts.target, store, dataKey, moving.map((m) => m.entry), out.metadata.encryptionRule);
    }
  } catch (e) {
    throw toTypedError(e);
  }
  await opts.onStep?.("secrets-written");

  // 3. The source, without what moved.
  const rest = source.without(movedPaths);
  await writeFileAtomic(opts.source, rest);
  result.wroteSource = true;
  await opts.onStep?.("source-written");
  return result;
}

/** Reads the written target back from disk and checks every moved value decrypts to what was imported. */
async function verifyTarget(target: string, store: Store, dataKey: Uint8Array, moved: SourceEntry[], rule: EncryptionRule): Promise<void> {
  const stored = store.parseEncrypted(await readInput(target));
  if (stored.metadata === null) throw new SecretsError("write-output", `${target} was written but has no sops metadata; the source was left unchanged`);
  const doc = openWithDataKey(stored.branches, parseMetadata(stored.metadata), dataKey);
  const b = doc.branches[0] ?? new Branch();
  for (const m of moved) {
    const got = getPath(b, m.keyPath);
    if (got === undefined || canonical(got, rule) !== canonical(m.value, rule)) {
      throw new SecretsError("write-output", `${target} does not read back ${m.keyPath.join(".")} as imported; the source was left unchanged`);
    }
  }
}
