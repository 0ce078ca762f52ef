import { SecretsError } from "../../errors.js";
import { rotateDataKeys } from "../../files/rotate.js";
import { info, writeResult } from "../io.js";
import { parseIndent } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

export interface RotateOptions {
  addAge?: string;
  rmAge?: string;
  ignoreMac?: boolean;
  inputType?: string;
  inPlace?: boolean;
  output?: string;
  indent?: string;
}

/**
 * `secrets rotate FILE`: the file with a new data key (src/files/rotate.ts), printed to stdout or
 * written to `--output`, as `sops rotate` does; `-i` rewrites the files in place (several allowed),
 * one line per file done.
 */
export async function rotateCommand(files: string[], opts: RotateOptions): Promise<void> {
  if (opts.inPlace && opts.output !== undefined) throw new SecretsError("conflict", "--in-place and --output cannot be used together");
  if (!opts.inPlace && files.length > 1) throw new SecretsError("usage", "several files are rotated in place only: add -i (without it the one file's new form is printed)");
  const ws = cliWorkspace({ indent: parseIndent(opts.indent) });
  await rotateDataKeys({ keys: await ws.keys(), indentFor: (f) => ws.indentFor(f) }, files, {
    ...opts,
    inPlace: !!opts.inPlace,
    onOutput: (_file, bytes) => writeResult(bytes, opts.output, { plaintext: false }),
    onRotated: (file) => (opts.inPlace ? info(`${file}: data key rotated`) : undefined),
  });
}
