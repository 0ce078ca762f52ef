import { SecretsError } from "../../errors.js";
import { updateSecretFile, type OpenedFile } from "../../files/secret-file.js";
import { reencrypt } from "../../sops/document.js";
import { parseJsonValue, parseTreePath, setPath, unsetPath } from "../../sops/path.js";
import { Branch } from "../../sops/tree.js";
import type { Workspace } from "../../workspace/workspace.js";
import { info, readStdin } from "../io.js";
import { cliWorkspace } from "../workspace.js";

export interface SetOptions {
  valueStdin?: boolean;
  valueFile?: string;
  idempotent?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
}

/**
 * `secrets set FILE PATH VALUE`: VALUE is JSON as in `sops set` ('"text"', 5, {"a":1}); with
 * `--value-stdin` the raw bytes of stdin are the string value (no JSON, nothing on the command line).
 * The data key and every other value's ciphertext stay as they were.
 */
export async function setCommand(file: string, pathText: string, valueText: string | undefined, opts: SetOptions): Promise<void> {
  const path = parseTreePath(pathText);
  let value;
  if (opts.valueStdin) {
    if (valueText !== undefined) throw new SecretsError("conflict", "give the value either as an argument or with --value-stdin, not both");
    value = (await readStdin()).toString("utf8");
  } else {
    if (valueText === undefined) throw new SecretsError("set-format", "missing VALUE (or use --value-stdin)");
    value = parseJsonValue(valueText);
  }
  const ws = cliWorkspace();
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
  const ws = cliWorkspace();
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
