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
}

/** `secrets decrypt FILE`: the plaintext to stdout (or `--output`, mode 0600). */
export async function decryptCommand(file: string, opts: DecryptOptions): Promise<void> {
  const ws = cliWorkspace();
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
    await writeResult(data, opts.output, { plaintext: true });
  });
}
