import { updateSecretFile } from "../../files/secret-file.js";
import { recipientsFromMetadata, rotate } from "../../sops/document.js";
import { parseRecipient } from "../../keys/recipients.js";
import { getKeySource, indentFor } from "../context.js";
import { info } from "../io.js";

export interface RotateOptions {
  addAge?: string;
  rmAge?: string;
  ignoreMac?: boolean;
  inputType?: string;
}

const list = (s: string | undefined) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);

/**
 * `secrets rotate FILE...`: a new data key for each file (every ciphertext changes), optionally
 * adding (to the first key group) or removing age recipients. Files are done one by one; each write
 * is atomic, so a failure leaves that file and the ones after it untouched.
 */
export async function rotateCommand(files: string[], opts: RotateOptions): Promise<void> {
  // A bad --add-age is reported before any file is opened (not as a no-key error, or after a
  // first file was rewritten).
  for (const a of list(opts.addAge)) parseRecipient(a);
  const keys = await getKeySource();
  for (const file of files) {
    await updateSecretFile(
      file,
      keys,
      async (opened) => {
        const r = recipientsFromMetadata(opened.doc.metadata);
        const add = list(opts.addAge);
        const rm = new Set(list(opts.rmAge));
        if (add.length && r.groups.length === 0) r.groups.push([]);
        if (add.length) r.groups[0] = [...r.groups[0]!, ...add.filter((a) => !r.groups[0]!.includes(a))];
        r.groups = r.groups.map((g) => g.filter((x) => !rm.has(x)));
        return rotate(opened.doc, keys, r);
      },
      { inputType: opts.inputType, ignoreMac: opts.ignoreMac, emit: async (o) => ({ indent: await indentFor(o.format) }) },
    );
    info(`${file}: data key rotated`);
  }
}
