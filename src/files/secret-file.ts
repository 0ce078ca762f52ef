import { maxInputBytes, readFileCapped } from "../io/read.js";
import { SecretsError, withFile, withFileAsync } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { withFileLock, type LockOptions } from "../io/lock.js";
import { emitEncrypted, openDocument, type OpenDocument } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import type { Metadata } from "../sops/metadata.js";
import type { EmitOptions, Format, Store } from "../sops/stores/store.js";
import type { Branch, StoredDocument } from "../sops/tree.js";
import { loadStore, resolveFormat } from "./format.js";

/** Secret files on disk: read, open, and write back atomically. Errors carry the file name. */

/** Reads one input file, at most `SECRETS_MAX_INPUT_BYTES` (64 MiB by default). */
export async function readInput(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const max = withFile(path, () => maxInputBytes(env));
  try {
    return await readFileCapped(path, max);
  } catch (e) {
    if (e instanceof SecretsError) {
      e.file ??= path;
      throw e;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new SecretsError("no-file", "no such file", { file: path, cause: e });
    if (code === "EISDIR") throw new SecretsError("read-input", "is a directory", { file: path, cause: e });
    throw new SecretsError("read-input", `cannot read the file (${code ?? "error"})`, { file: path, cause: e });
  }
}

export interface ParsedFile {
  path: string;
  format: Format;
  store: Store;
  stored: StoredDocument;
}

/** Reads and parses an encrypted file without decrypting anything (metadata-only work). */
export async function parseEncryptedFile(path: string, inputType?: string): Promise<ParsedFile> {
  return withFileAsync(path, async () => {
    const format = resolveFormat(inputType, path);
    const [bytes, store] = await Promise.all([readInput(path), loadStore(format)]);
    if (bytes.length === 0) throw new SecretsError("parse", "the file is empty");
    const stored = store.parseEncrypted(bytes);
    return { path, format, store, stored };
  });
}

export interface OpenedFile extends ParsedFile {
  doc: OpenDocument;
}

/** Reads, parses and decrypts an encrypted file (MAC checked unless `ignoreMac`). */
export async function openSecretFile(path: string, keys: KeySource, opts: { inputType?: string; ignoreMac?: boolean; readOnly?: boolean } = {}): Promise<OpenedFile> {
  const parsed = await parseEncryptedFile(path, opts.inputType);
  return withFileAsync(path, async () => {
    const doc = await openDocument(parsed.stored, keys, { ignoreMac: opts.ignoreMac, readOnly: opts.readOnly });
    return { ...parsed, doc };
  });
}

/** Serializes and atomically writes an encrypted document. */
export async function writeEncryptedFile(
  path: string,
  store: Store,
  doc: { branches: Branch[]; metadata: Metadata },
  options?: EmitOptions,
): Promise<void> {
  const bytes = emitEncrypted(store, doc, options);
  await writeFileAtomic(path, bytes);
}

/** What an update of an opened file writes back, or null to leave the file as it is. */
export type FileChange = (opened: OpenedFile) => Promise<{ branches: Branch[]; metadata: Metadata } | null>;

/**
 * Read-modify-write of one encrypted file under its write lock: the file is read and decrypted
 * inside the lock, so a concurrent writer's change is seen and kept (no lost update). `change` returns
 * the document to write, or null to write nothing. Throws SecretsError kind `locked` when another
 * writer holds the lock past the timeout, having changed nothing.
 */
export async function updateSecretFile(
  path: string,
  keys: KeySource,
  change: FileChange,
  opts: { inputType?: string; ignoreMac?: boolean; emit?: (opened: OpenedFile) => Promise<EmitOptions | undefined>; lock?: LockOptions } = {},
): Promise<boolean> {
  return withFileLock(
    path,
    async () => {
      const opened = await openSecretFile(path, keys, { inputType: opts.inputType, ignoreMac: opts.ignoreMac });
      return withFileAsync(path, async () => {
        const out = await change(opened);
        if (out === null) return false;
        await writeEncryptedFile(path, opened.store, out, await opts.emit?.(opened));
        return true;
      });
    },
    opts.lock,
  );
}
