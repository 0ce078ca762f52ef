import { SecretsError } from "../../errors.js";
import { readInput, updateSecretFile, type OpenedFile } from "../../files/secret-file.js";
import { reencrypt } from "../../sops/document.js";
import { parseJsonValue, parseTreePath, setPath, unsetPath } from "../../sops/path.js";
import { Branch } from "../../sops/tree.js";
import type { Workspace } from "../../workspace/workspace.js";
import { info, readStdin } from "../io.js";
import { parseIndent } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

export interface SetOptions {
  valueStdin?: boolean;
  valueFile?: boolean;
  raw?: boolean;
  indent?: string;
  idempotent?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
}

/**
 * The text of `set`'s value, as sops takes it: the VALUE argument; with `--value-file` VALUE names a
 * file whose contents are the text; with `--value-stdin` stdin is (no VALUE). Only the last two keep
 * the value off the command line.
 */
export async function valueText(valueArg: string | undefined, opts: SetOptions): Promise<string> {
  if (opts.valueStdin && opts.valueFile) throw new SecretsError("conflict", "cannot use both --value-file and --value-stdin");
  if (opts.valueStdin) {
    if (valueArg !== undefined) throw new SecretsError("conflict", "give the value either as an argument or with --value-stdin, not both");
    return (await readStdin()).toString("utf8");
  }
  if (valueArg === undefined) throw new SecretsError("set-format", "missing VALUE (or use --value-stdin)");
  return opts.valueFile ? (await readInput(valueArg)).toString("utf8") : valueArg;
}

/**
 * `secrets set FILE PATH VALUE`: the value's text is JSON, as in `sops set` ('"text"', 5,
 * {"a":1}), wherever it comes from (argument, `--value-file`, `--value-stdin`); with `--raw` the text
 * itself is the string value. The data key and every other value's ciphertext stay as they were.
 */
export async function setCommand(file: string, pathText: string, valueArg: string | undefined, opts: SetOptions): Promise<void> {
  const path = parseTreePath(pathText);
  const text = await valueText(valueArg, opts);
  const value = opts.raw ? text : parseJsonValue(text);
  const ws = cliWorkspace({ indent: parseIndent(opts.indent) });
  const keys = await ws.keys();
  const written = await updateSecretFile(
    file,
    keys,
    (opened) => {
      const branches = opened.doc.branches.length ? opened.doc.branches : [new Branch()];
      const changed = setPath(branches[0]!, path, value);
      return Promise.resolve(!changed && opts.idempotent ? null : reencrypt(opened.doc, branches));
    },
    fileOptions(ws, opts),
  );
  if (!written) info(`${file}: unchanged`);
}

function fileOptions(ws: Workspace, opts: SetOptions) {
  return { inputType: opts.inputType, ignoreMac: opts.ignoreMac, emit: async (o: OpenedFile) => ({ indent: await ws.indentFor(o.format) }) };
}

/** `secrets unset FILE PATH`: removes one value; a missing path is an error unless `--idempotent`. */
export async function unsetCommand(file: string, pathText: string, opts: SetOptions): Promise<void> {
  const path = parseTreePath(pathText);
  const ws = cliWorkspace({ indent: parseIndent(opts.indent) });
  const keys = await ws.keys();
  await updateSecretFile(
    file,
    keys,
    (opened) => {
      const branch = opened.doc.branches[0];
      const removed = branch ? unsetPath(branch, path) : false;
      if (!removed) return opts.idempotent ? Promise.resolve(null) : Promise.reject(new SecretsError("not-found", `no value at ${pathText}`));
      return Promise.resolve(reencrypt(opened.doc, opened.doc.branches));
    },
    fileOptions(ws, opts),
  );
}
