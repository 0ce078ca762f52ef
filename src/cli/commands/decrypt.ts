import { SecretsError, withFileAsync } from "../../errors.js";
import { loadStore, resolveFormat } from "../../files/format.js";
import { openSecretFile } from "../../files/secret-file.js";
import { getPath, parseTreePath } from "../../sops/path.js";
import { Branch } from "../../sops/tree.js";
import { writeResult } from "../io.js";
import { cliWorkspace } from "../workspace.js";

export interface DecryptOptions {
  extract?: string;
  output?: string;
  inputType?: string;
  outputType?: string;
  ignoreMac?: boolean;
  inPlace?: boolean;
  indent?: string;
}

/** `--indent` validated; the schemas (zod) are loaded only when it is given: decrypt's start-up stays lean. */
export async function indentOf(opts: { indent?: string | undefined }): Promise<number | undefined> {
  return opts.indent === undefined ? undefined : (await import("../option-schemas.js")).parseIndent(opts.indent);
}

/**
 * `secrets decrypt FILE`: the plaintext to stdout (or `--output`, mode 0600); with `-i` it replaces
 * the file (atomically, mode 0600, under the file's write lock), as `sops decrypt -i` does.
 */
export async function decryptCommand(file: string, opts: DecryptOptions): Promise<void> {
  if (opts.inPlace && opts.output !== undefined) throw new SecretsError("conflict", "--in-place and --output cannot be used together");
  if (opts.inPlace && opts.extract !== undefined) throw new SecretsError("conflict", "--in-place and --extract cannot be used together");
  const ws = cliWorkspace({ indent: await indentOf(opts) });
  if (opts.inPlace) {
    const { withFileLock } = await import("../../io/lock.js");
    return withFileLock(file, () => decryptTo(ws, file, opts, file));
  }
  return decryptTo(ws, file, opts, opts.output);
}

async function decryptTo(ws: ReturnType<typeof cliWorkspace>, file: string, opts: DecryptOptions, output: string | undefined): Promise<void> {
  const keys = await ws.keys();
  const opened = await openSecretFile(file, keys, { inputType: opts.inputType, ignoreMac: opts.ignoreMac, readOnly: true });
  await withFileAsync(file, async () => {
    const outFormat = opts.outputType ? resolveFormat(opts.outputType, file) : opened.format;
    const store = outFormat === opened.format ? opened.store : await loadStore(outFormat);
    const indent = await ws.indentFor(outFormat);
    let data: Uint8Array;
    if (opts.extract !== undefined) {
      const path = parseTreePath(opts.extract);
      const value = getPath(opened.doc.branches[0] ?? new Branch(), path);
      if (value === undefined) throw new SecretsError("not-found", `no value at ${opts.extract}`);
      if (typeof value === "string") data = Buffer.from(value, "utf8");
      else if (value instanceof Uint8Array) data = value;
      else {
        if (!store.emitValue) throw new SecretsError("dump", `cannot extract a non-string value as ${outFormat}`);
        data = store.emitValue(value, { indent });
      }
    } else {
      data = store.emitPlain(opened.doc.branches, { indent });
    }
    await writeResult(data, output, { plaintext: true });
  });
}
