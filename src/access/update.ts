import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { loadStore } from "../files/format.js";
import { writeFileAtomic } from "../io/atomic.js";
import { withUnchangedFile } from "../io/lock.js";
import { storeIndent } from "../policy/stores.js";
import { emitEncrypted, openDocument, rewrap, rotate, type Recipients } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import { formatTreePath } from "../sops/path.js";
import type { Format } from "../sops/stores/store.js";
import type { Branch } from "../sops/tree.js";
import { treeLeaves } from "../sops/walk.js";
import { mapLimit, type SecretFileState } from "./inventory.js";
import { compareRecipients, recipientsOf, type RecipientDelta } from "./recipients.js";
import type { RuleBook } from "./rules.js";

/**
 * Bringing files back to the recipients their rule names (`updatekeys`, `updatekeys --all`, and the
 * apply step of `access grant|revoke`).
 *
 * A file that only gains recipients keeps its data key: the key is wrapped for the new set, values,
 * `lastmodified` and the MAC stay (sops' updatekeys). A file that loses a recipient also gets a new
 * data key (sops does not do this): the removed key holder may have kept the old data key, which
 * opens every later version of a file that keeps it. Its values are then re-encrypted under the new
 * key, and the paths of the values that holder could read are listed, so the secrets themselves can
 * be rotated at their source.
 *
 * Everything is computed in memory first; nothing is written until every file is ready, so a file
 * that cannot be opened (no key, bad MAC) stops the whole operation with no file changed.
 */

export interface FilePlan {
  /** As shown in reports (relative to the config directory, or as given on the command line). */
  file: string;
  /** Where to write. */
  abs: string;
  target: Recipients;
  delta: RecipientDelta;
  /** True when the data key is replaced (a recipient was removed). */
  rotated: boolean;
  /** Paths of the encrypted values in the file, when rotated (what the removed recipients could read). */
  exposed: string[];
  /** The new file contents. */
  bytes: Uint8Array;
  /** The contents the plan was made from: the write happens only if the file still holds them. */
  planned: Uint8Array;
}

/** The paths (`["a"]["b"]`) of every encrypted value in an encrypted tree. */
export function encryptedPaths(branches: Branch[]): string[] {
  const out: string[] = [];
  branches.forEach((b, d) => {
    const before = out.length;
    for (const { path, value } of treeLeaves(b)) if (typeof value === "string" && value.startsWith("ENC[")) out.push(formatTreePath(path));
    if (branches.length > 1) for (let k = before; k < out.length; k++) out[k] = `document ${d + 1}: ${out[k]}`;
  });
  return out;
}

export interface PlanFileInput {
  file: string;
  abs: string;
  format: Format;
  target: Recipients;
  keys: KeySource;
  ignoreMac?: boolean;
  indent?: number;
}

/** Plans one file: null when its recipients already match `target`. */
export async function planFile(input: PlanFileInput): Promise<FilePlan | null> {
  const { file, abs, format, target, keys } = input;
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(abs);
  } catch (e) {
    throw new SecretsError("read-input", `cannot read the file (${(e as NodeJS.ErrnoException).code ?? "error"})`, { file, cause: e });
  }
  try {
    const store = await loadStore(format);
    const stored = store.parseEncrypted(bytes);
    const open = await openDocument(stored, keys, { ignoreMac: input.ignoreMac });
    const delta = compareRecipients(recipientsOf(open.metadata), target);
    if (delta.same) return null;
    const rotated = delta.removed.length > 0;
    const doc = rotated
      ? await rotate(open, keys, target)
      : { branches: stored.branches, metadata: await rewrap(stored, open.dataKey, target, keys) };
    const out = emitEncrypted(store, doc, input.indent === undefined ? undefined : { indent: input.indent });
    return { file, abs, target, delta, rotated, exposed: rotated ? encryptedPaths(stored.branches) : [], bytes: out, planned: bytes };
  } catch (e) {
    if (e instanceof SecretsError && e.file === undefined) e.file = file;
    throw e;
  }
}

export interface PlanResult {
  plans: FilePlan[];
  /** Files that could not be prepared (no key, bad MAC, …), with the value-free reason. */
  failures: Array<{ file: string; message: string }>;
}

/** Plans every drifting file among `states` (from a scan with `book`). */
export async function planDrift(book: RuleBook, states: readonly SecretFileState[], keys: KeySource, opts: { ignoreMac?: boolean } = {}): Promise<PlanResult> {
  const drifting = states.filter((s) => s.status === "drift");
  const failures: PlanResult["failures"] = [];
  const plans = await mapLimit(drifting, 4, async (s) => {
    try {
      return await planFile({
        file: s.file,
        abs: path.join(book.config.dir, s.file),
        format: s.format,
        target: s.expected,
        keys,
        ignoreMac: opts.ignoreMac,
        indent: storeIndent(book.config, s.format === "binary" ? "json_binary" : s.format),
      });
    } catch (e) {
      if (!(e instanceof SecretsError)) throw e;
      failures.push({ file: s.file, message: e.message });
      return null;
    }
  });
  return { plans: plans.filter((p): p is FilePlan => p !== null), failures: failures.sort((a, b) => (a.file < b.file ? -1 : 1)) };
}

/** Per removed recipient, the files it lost and the value paths in them. */
export function exposure(plans: readonly FilePlan[]): Map<string, Array<{ file: string; paths: string[] }>> {
  const out = new Map<string, Array<{ file: string; paths: string[] }>>();
  for (const p of plans) {
    for (const r of p.delta.removed) {
      let list = out.get(r);
      if (!list) out.set(r, (list = []));
      list.push({ file: p.file, paths: p.exposed });
    }
  }
  return out;
}

/**
 * Writes every planned file, each write atomic and under the file's write lock. A file changed by
 * another writer since it was planned is not written (its change would be lost): that fails with
 * kind `conflict` naming the file, and running the command again plans it from what is there now.
 * A few at a time: each atomic write waits for two fsyncs (file and directory), which overlap well
 * (measured: ~3 s of 11 s idle for 667 files, one by one).
 */
export async function applyPlans(plans: readonly FilePlan[]): Promise<void> {
  await mapLimit(plans, 8, (p) => withUnchangedFile(p.abs, p.planned, "since the change was planned (run the command again)", () => writeFileAtomic(p.abs, p.bytes)).catch((e: unknown) => {
    if (e instanceof SecretsError && e.kind === "conflict") e.file = p.file;
    throw e;
  }));
}
