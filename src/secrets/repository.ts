import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { loadStore, formatForPath } from "../files/format.js";
import { LockSet } from "../io/lock.js";
import { openSecretFile, parseEncryptedFile, writeEncryptedFile, type OpenedFile } from "../files/secret-file.js";
import { isEncryptedValue } from "../sops/cipher.js";
import { encryptNew, reencrypt } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import { parseMetadata, type EncryptionRule } from "../sops/metadata.js";
import { getPath, setPath } from "../sops/path.js";
import { Branch, fromPlain, type Value } from "../sops/tree.js";
import { treeLeaves } from "../sops/walk.js";
import { uncoveredPathText, uncoveredReasonText, isAtOrBelow, type UncoveredEntry } from "../sops/coverage.js";
import { leavesOf, uncoveredSecrets, metadataKey, readMetadata, toSecretValue, type SecretMetadata, type SecretValue } from "./entries.js";
import { PolicyError, SecretNotFound, toTypedError } from "./errors.js";
import { formatSecretPath, hasPrefix, parseSecretPath } from "./path.js";
import type { SecretsClientStats } from "./types.js";
import type { CreationPolicy } from "../workspace/creation.js";
import { displayPath, isReachable, locateSecret, newSecretLocation, secretFilesUnder, type SecretLocation } from "./resolve.js";

/**
 * Secrets by path over the files under a root: read (one decryption per file, cached in memory until
 * the file changes on disk), list (key names only: nothing is decrypted), write (atomic, keeping every
 * other value's ciphertext), and the selections `secrets run`/`export` inject. Shared by the SDK and
 * the CLI. Nothing decrypted is ever written to disk. Errors are the typed ones of `errors.ts`.
 */

export interface RepositoryOptions {
  root: string;
  keys: KeySource;
  /** Needed only to create files (`write` of a path no file holds yet). */
  policy?: CreationPolicy;
}

export type RepositoryStats = SecretsClientStats;

/** A secret found by listing: its path, and where it lives. */
export interface SecretEntry {
  path: string;
  file: string;
  keyPath: string[];
}

/** A value selected for `run`/`export`. `origin` names the file (and path) for messages. */
export interface SelectedSecret {
  keyPath: string[];
  value: Value;
  rule: EncryptionRule;
  file: string;
}

interface CacheEntry {
  signature: string;
  opened: Promise<OpenedFile>;
}

async function signatureOf(file: string): Promise<string | null> {
  try {
    const st = await fs.promises.stat(file, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null; // openSecretFile reports the missing or unreadable file
  }
}

function firstBranch(opened: OpenedFile): Branch {
  return opened.doc.branches[0] ?? new Branch();
}

/** Every scalar of an encrypted value: an `ENC[…]` string, or null (sops leaves nulls alone). */
function allEncrypted(v: Value | undefined): boolean {
  if (v === undefined) return true;
  for (const { value } of treeLeaves(v)) if (value !== null && !(typeof value === "string" && isEncryptedValue(value))) return false;
  return true;
}

/** No scalar of it is encrypted. */
function noneEncrypted(v: Value | undefined): boolean {
  if (v === undefined) return true;
  for (const { value } of treeLeaves(v)) if (typeof value === "string" && isEncryptedValue(value)) return false;
  return true;
}

function ruleText(rule: EncryptionRule): string {
  return `${rule.kind}: ${rule.value}`;
}

/**
 * Refuses an encrypted tree in which the secrets written are in clear (the file's rule leaves them
 * unencrypted) or their metadata is encrypted (it would not be readable). Checked on the output of
 * the real encryptor, so it agrees with sops by construction.
 */
export function checkWritten(encrypted: Branch, keyPaths: ReadonlyArray<readonly string[]>, rule: EncryptionRule, file: string, withMetadata: boolean): void {
  for (const kp of keyPaths) {
    if (!allEncrypted(getPath(encrypted, kp))) {
      throw new PolicyError(`the encryption rule of ${displayPath(file)} (${ruleText(rule)}) would leave ${kp.join(".")} in clear; refusing to write a secret unencrypted`);
    }
    if (withMetadata) {
      const mk = [...kp.slice(0, -1), metadataKey(kp[kp.length - 1]!, rule)];
      if (!noneEncrypted(getPath(encrypted, mk))) {
        throw new PolicyError(`the encryption rule of ${displayPath(file)} (${ruleText(rule)}) would encrypt the metadata of ${kp.join(".")}; metadata must stay readable`);
      }
    }
  }
}

function unauthenticated(file: string, e: UncoveredEntry): SecretsError {
  return new SecretsError(
    "unauthenticated",
    `${uncoveredPathText(e)} is not covered by the file's MAC (${uncoveredReasonText(e.reason)}: anyone who can write the file can add it without a key); refusing to inject it (set a value with secrets set, remove it, or pass --allow-unauthenticated)`,
    { file: displayPath(file) },
  );
}

export class SecretRepository {
  readonly root: string;
  readonly #keys: KeySource;
  readonly #policy: CreationPolicy | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  /** This repository's own writes queue per file before taking the file lock shared with other processes. */
  readonly #locks = new LockSet();
  readonly #stats: RepositoryStats = { decryptions: 0, cacheHits: 0 };

  constructor(opts: RepositoryOptions) {
    this.root = path.resolve(opts.root);
    this.#keys = opts.keys;
    this.#policy = opts.policy;
  }

  stats(): RepositoryStats {
    return { ...this.#stats };
  }

  /** Forgets every decrypted file (the memory they hold is released to the garbage collector). */
  clearCache(): void {
    this.#cache.clear();
  }

  /**
   * A decrypted file, from memory when its stat signature (inode, size, mtime, ctime) has not
   * changed. The signature is taken before reading, so a change during the read is seen next time.
   * Concurrent reads of one file share one decryption.
   */
  async openFile(file: string): Promise<OpenedFile> {
    const abs = path.resolve(file);
    const signature = await signatureOf(abs);
    const hit = this.#cache.get(abs);
    if (hit && signature !== null && hit.signature === signature) {
      this.#stats.cacheHits++;
      return hit.opened;
    }
    const opened = (async () => {
      this.#stats.decryptions++;
      try {
        return await openSecretFile(abs, this.#keys);
      } catch (e) {
        throw toTypedError(e);
      }
    })();
    if (signature !== null) {
      const entry = { signature, opened };
      this.#cache.set(abs, entry);
      // A failure is not cached: the next read tries again (a key may have been added meanwhile).
      opened.catch(() => {
        if (this.#cache.get(abs) === entry) this.#cache.delete(abs);
      });
    }
    return opened;
  }

  #locate(pathText: string): { text: string; loc: SecretLocation } {
    const segs = parseSecretPath(pathText);
    return { text: formatSecretPath(segs), loc: locateSecret(this.root, segs) };
  }

  #valueAt(opened: OpenedFile, loc: SecretLocation, text: string): Value {
    const v = getPath(firstBranch(opened), loc.keyPath);
    if (v === undefined) {
      throw new SecretNotFound(text, `secret ${text} not found: ${displayPath(loc.file)} has no key ${loc.keyPath.join(".")}`);
    }
    return v;
  }

  async read(pathText: string): Promise<SecretValue> {
    return (await this.readEntry(pathText)).value;
  }

  /** The value and the metadata kept next to it. */
  async readEntry(pathText: string): Promise<{ value: SecretValue; metadata: SecretMetadata | undefined }> {
    const { text, loc } = this.#locate(pathText);
    const opened = await this.openFile(loc.file);
    const rule = opened.doc.metadata.encryptionRule;
    const value = toSecretValue(this.#valueAt(opened, loc, text), rule);
    return { value, metadata: readMetadata(firstBranch(opened), loc.keyPath, rule) };
  }

  /** Many values; each file is opened (and decrypted at most) once however many paths it serves. */
  async readMany(paths: readonly string[]): Promise<Map<string, SecretValue>> {
    const located = paths.map((p) => ({ given: p, ...this.#locate(p) }));
    const files = [...new Set(located.map((l) => l.loc.file))];
    const opened = new Map(await Promise.all(files.map(async (f) => [f, await this.openFile(f)] as const)));
    const out = new Map<string, SecretValue>();
    const missing: string[] = [];
    for (const l of located) {
      const o = opened.get(l.loc.file)!;
      const v = getPath(firstBranch(o), l.loc.keyPath);
      if (v === undefined) missing.push(l.text);
      else out.set(l.given, toSecretValue(v, o.doc.metadata.encryptionRule));
    }
    if (missing.length) {
      throw new SecretNotFound(missing, missing.length === 1 ? `secret ${missing[0]} not found` : `${missing.length} secrets not found: ${missing.join(", ")}`);
    }
    return out;
  }

  /**
   * The secret paths under `prefix` (a folder, a file, a key, or "" for all), sorted. Only key names
   * are read: nothing is decrypted, no identity is needed. Files without sops metadata are skipped;
   * keys that cannot be part of a path (containing `/`, or `.`/`..`) are not listed.
   */
  async list(prefixText = ""): Promise<SecretEntry[]> {
    const prefix = parseSecretPath(prefixText, { prefix: true });
    const files = await secretFilesUnder(this.root, prefix);
    const known = new Set(files.map((f) => f.segments.join("/")));
    const out = new Map<string, SecretEntry>();
    for (const f of files) {
      let parsed;
      try {
        parsed = await parseEncryptedFile(f.file);
        if (parsed.stored.metadata === null) continue;
        const rule = parseMetadata(parsed.stored.metadata).encryptionRule;
        for (const leaf of leavesOf(parsed.stored.branches[0] ?? new Branch(), rule)) {
          if (leaf.keyPath.some((k) => k === "" || k === "." || k === ".." || k.includes("/") || k.includes("\0"))) continue;
          const segs = [...f.segments, ...leaf.keyPath];
          if (!hasPrefix(segs, prefix) || !isReachable(segs, f.segments.length, known)) continue;
          const p = formatSecretPath(segs);
          if (!out.has(p)) out.set(p, { path: p, file: f.file, keyPath: leaf.keyPath });
        }
      } catch (e) {
        throw toTypedError(e);
      }
    }
    return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * What `run`/`export` inject: every value of each file in `files` (any encrypted file, under the
   * root or not), plus every secret under each prefix in `only`; everything under the root when both
   * are empty. A prefix that matches nothing is an error (a typo must not go unnoticed).
   *
   * A selected value that holds an entry the file's MAC does not cover (`""`, null, `{}`, `[]`, a
   * value in clear) fails the whole selection with kind `unauthenticated` unless
   * `allowUnauthenticated`: anyone who can write the file can add such an entry without a key, and
   * skipping it would still run the process without the value it expects (an empty `PATH` breaks it
   * just the same), so failing is the only answer that leaves the choice to a person.
   */
  async select(selection: { files?: readonly string[]; only?: readonly string[]; allowUnauthenticated?: boolean }): Promise<SelectedSecret[]> {
    const files = selection.files ?? [];
    const only = selection.only ?? [];
    const wanted = new Map<string, { file: string; keyPath: string[] | null }>();
    for (const f of files) wanted.set(`${path.resolve(f)}\0*`, { file: path.resolve(f), keyPath: null });
    const prefixes = files.length === 0 && only.length === 0 ? [""] : only;
    for (const p of prefixes) {
      const entries = await this.list(p);
      if (!entries.length && p !== "") throw new SecretNotFound(p, `no secret under ${p}`);
      for (const e of entries) wanted.set(`${e.file}\0${JSON.stringify(e.keyPath)}`, { file: e.file, keyPath: e.keyPath });
    }
    const byFile = [...new Set([...wanted.values()].map((w) => w.file))];
    const opened = new Map(await Promise.all(byFile.map(async (f) => [f, await this.openFile(f)] as const)));
    const out: SelectedSecret[] = [];
    const seen = new Set<string>();
    const uncovered = new Map<string, UncoveredEntry[]>();
    for (const w of wanted.values()) {
      const o = opened.get(w.file)!;
      const rule = o.doc.metadata.encryptionRule;
      const leaves = w.keyPath === null ? leavesOf(firstBranch(o), rule) : [{ keyPath: w.keyPath, value: getPath(firstBranch(o), w.keyPath) }];
      for (const leaf of leaves) {
        const id = `${w.file}\0${JSON.stringify(leaf.keyPath)}`;
        if (seen.has(id) || leaf.value === undefined) continue;
        seen.add(id);
        if (!selection.allowUnauthenticated) {
          let entries = uncovered.get(w.file);
          if (!entries) uncovered.set(w.file, (entries = uncoveredSecrets(o.stored.branches[0] ?? new Branch(), rule)));
          const hit = entries.find((e) => isAtOrBelow(e.path, leaf.keyPath));
          if (hit) throw unauthenticated(w.file, hit);
        }
        out.push({ keyPath: leaf.keyPath, value: leaf.value, rule, file: w.file });
      }
    }
    return out;
  }

  /**
   * Sets one secret and, when given, the metadata kept next to it; writes the file atomically. The
   * file is the one the path resolves to; when none exists, a new YAML file named by all segments but
   * the last is created under the `.sops.yaml` rule for it. Every other value keeps its ciphertext.
   */
  async write(pathText: string, value: Value, metadata?: SecretMetadata): Promise<void> {
    const segs = parseSecretPath(pathText);
    // Where the secret goes is decided again under the lock: a concurrent writer may have created
    // the file meanwhile, and its values must be kept.
    const locate = (): { loc: SecretLocation; exists: boolean } => {
      try {
        return { loc: locateSecret(this.root, segs), exists: true };
      } catch (e) {
        if (!(e instanceof SecretNotFound)) throw e;
        return { loc: newSecretLocation(this.root, segs), exists: false };
      }
    };
    const first = locate();
    const format = formatForPath(first.loc.file);
    if (metadata !== undefined && format !== "yaml" && format !== "json") {
      throw new SecretsError("usage", `metadata can be kept only in YAML and JSON secret files, not in ${displayPath(first.loc.file)}`);
    }
    try {
      if (!first.exists) await fs.promises.mkdir(path.dirname(first.loc.file), { recursive: true });
      await this.#locks.run(first.loc.file, async () => {
        const { loc, exists } = locate();
        if (loc.file !== first.loc.file) throw new SecretsError("conflict", `${displayPath(first.loc.file)} changed while ${formatSecretPath(segs)} was being written; nothing was changed, try again`);
        await this.#writeLocked(loc, exists, format, segs, value, metadata);
      });
    } catch (e) {
      throw toTypedError(e);
    } finally {
      this.#cache.delete(first.loc.file);
    }
  }

  /**
   * Sets several keys of one map at once, in one atomic write of one file: `pathText` names a key
   * that exists (`database/app/password`), `values` are keys of the map that holds it (itself
   * included, and siblings such as `username`, created when missing), each with its metadata when
   * `metadata` has an entry for it. A reader sees all of the new values or none: what scheduled
   * rotation needs when a username and its password change together.
   */
  async writeSiblings(pathText: string, values: Readonly<Record<string, string>>, metadata: Readonly<Record<string, SecretMetadata>> = {}): Promise<void> {
    const segs = parseSecretPath(pathText);
    const loc = locateSecret(this.root, segs);
    const format = formatForPath(loc.file);
    if (Object.keys(metadata).length && format !== "yaml" && format !== "json") {
      throw new SecretsError("usage", `metadata can be kept only in YAML and JSON secret files, not in ${displayPath(loc.file)}`);
    }
    const parentPath = loc.keyPath.slice(0, -1);
    try {
      await this.#locks.run(loc.file, async () => {
        this.#stats.decryptions++;
        const opened = await openSecretFile(loc.file, this.#keys);
        const branches = opened.doc.branches.length ? opened.doc.branches : [new Branch()];
        const rule = opened.doc.metadata.encryptionRule;
        const parent = getPath(branches[0]!, parentPath) ?? branches[0]!;
        if (!(parent instanceof Branch)) throw new SecretsError("usage", `${formatSecretPath(segs)} is not in a map`);
        for (const [k, v] of Object.entries(values)) {
          parent.set(k, fromPlain(v));
          const m = metadata[k];
          if (m !== undefined) parent.set(metadataKey(k, rule), fromPlain(m));
        }
        const out = reencrypt(opened.doc, branches);
        checkWritten(out.branches[0] ?? new Branch(), Object.keys(values).map((k) => [...parentPath, k]), out.metadata.encryptionRule, loc.file, Object.keys(metadata).length > 0);
        const indent = this.#policy ? await this.#policy.indentFor(format) : undefined;
        await writeEncryptedFile(loc.file, opened.store, out, { indent });
      });
    } catch (e) {
      throw toTypedError(e);
    } finally {
      this.#cache.delete(loc.file);
    }
  }

  async #writeLocked(loc: SecretLocation, exists: boolean, format: ReturnType<typeof formatForPath>, segs: ReturnType<typeof parseSecretPath>, value: Value, metadata: SecretMetadata | undefined): Promise<void> {
    const apply = (branch: Branch, rule: EncryptionRule) => {
      setPath(branch, loc.keyPath, value);
      if (metadata === undefined) return;
      const parent = getPath(branch, loc.keyPath.slice(0, -1));
      if (!(parent instanceof Branch)) throw new SecretsError("usage", `metadata can be kept only for a key in a map; ${formatSecretPath(segs)} is in a list`);
      parent.set(metadataKey(loc.keyPath[loc.keyPath.length - 1]!, rule), fromPlain(metadata));
    };
    let out: { branches: Branch[]; metadata: import("../sops/metadata.js").Metadata };
    let store;
    if (exists) {
      this.#stats.decryptions++;
      const opened = await openSecretFile(loc.file, this.#keys);
      const branches = opened.doc.branches.length ? opened.doc.branches : [new Branch()];
      apply(branches[0]!, opened.doc.metadata.encryptionRule);
      out = reencrypt(opened.doc, branches);
      store = opened.store;
    } else {
      if (!this.#policy) throw new PolicyError(`no policy to create ${displayPath(loc.file)} with`);
      const creation = await this.#policy.creationFor(loc.file);
      const branch = new Branch();
      apply(branch, creation.encryptionRule ?? { kind: "unencrypted_suffix", value: "_unencrypted" });
      out = await encryptNew([branch], creation.recipients, this.#keys, { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
      store = await loadStore(format);
    }
    checkWritten(out.branches[0] ?? new Branch(), [loc.keyPath], out.metadata.encryptionRule, loc.file, metadata !== undefined);
    const indent = this.#policy ? await this.#policy.indentFor(format) : undefined;
    await writeEncryptedFile(loc.file, store, out, { indent });
  }
}
