import { parseRecipient } from "../keys/recipients.js";
import { emitEncrypted, recipientsFromMetadata, rotate, type Recipients } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import type { Format } from "../sops/stores/store.js";
import { openSecretFile, updateSecretFile } from "./secret-file.js";

/**
 * `secrets rotate`: a new data key for each file (every ciphertext changes), optionally adding age
 * recipients (to the first key group) or removing some. Files are done one by one, each under its
 * write lock and written atomically, so a failure leaves that file and the ones after it untouched.
 * Without `inPlace` (sops' default for `rotate`) nothing is written: each rotated file's bytes go to
 * `onOutput`, and the file on disk keeps its old data key.
 */

export interface RotateOptions {
  /** Comma-separated recipients to add. */
  addAge?: string | undefined;
  /** Comma-separated recipients to remove. */
  rmAge?: string | undefined;
  ignoreMac?: boolean | undefined;
  inputType?: string | undefined;
  /** Rewrite each file (sops' `-i`); otherwise its new encrypted bytes go to `onOutput`. */
  inPlace?: boolean | undefined;
  /** Without `inPlace`: receives each file's rotated encrypted form, in order. */
  onOutput?(file: string, bytes: Uint8Array): Promise<void>;
  /** Called after each file is rotated (and written, or handed to onOutput), in order. */
  onRotated?(file: string): void;
}

/** What rotating needs from a workspace: the keys, and the output indent for a format. */
export interface RotateContext {
  keys: KeySource;
  indentFor(format: Format): Promise<number | undefined>;
}

const list = (s: string | undefined) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);

/** Rotates the data key of each file in turn; resolves with the files rotated. */
export async function rotateDataKeys(ctx: RotateContext, files: readonly string[], opts: RotateOptions): Promise<string[]> {
  const add = list(opts.addAge);
  const rm = new Set(list(opts.rmAge));
  // A bad recipient to add is reported before any file is opened (not as a no-key error, or after a
  // first file was rewritten).
  for (const a of add) parseRecipient(a);
  const done: string[] = [];
  const change = (r: Recipients): Recipients => {
    if (add.length && r.groups.length === 0) r.groups.push([]);
    if (add.length) r.groups[0] = [...r.groups[0]!, ...add.filter((a) => !r.groups[0]!.includes(a))];
    r.groups = r.groups.map((g) => g.filter((x) => !rm.has(x)));
    return r;
  };
  const fileOptions = { inputType: opts.inputType, ignoreMac: opts.ignoreMac };
  for (const file of files) {
    if (opts.inPlace) {
      await updateSecretFile(file, ctx.keys, async (opened) => rotate(opened.doc, ctx.keys, change(recipientsFromMetadata(opened.doc.metadata))), {
        ...fileOptions,
        emit: async (o) => ({ indent: await ctx.indentFor(o.format) }),
      });
    } else {
      const opened = await openSecretFile(file, ctx.keys, fileOptions);
      const out = await rotate(opened.doc, ctx.keys, change(recipientsFromMetadata(opened.doc.metadata)));
      await opts.onOutput?.(file, emitEncrypted(opened.store, out, { indent: await ctx.indentFor(opened.format) }));
    }
    done.push(file);
    opts.onRotated?.(file);
  }
  return done;
}
