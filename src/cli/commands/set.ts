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

/**
 * Which form `secrets set` was given: `FILE PATH [VALUE]` (sops' form) or `SECRET_PATH [VALUE]` (the
 * secret-path form, as `get` has). Three arguments, or two with `--value-stdin` (which takes no
 * VALUE), are the file form; one argument is a secret path; two without `--value-stdin` are a secret
 * path and its value unless the first names an existing file, so `set FILE PATH` without a value
 * still says that the value is missing instead of writing a secret named after the file.
 */
export async function setDispatch(first: string, second: string | undefined, third: string | undefined, opts: SetOptions & { root?: string }): Promise<void> {
  const fileForm = third !== undefined || (second !== undefined && (opts.valueStdin || (await isFile(first))));
  if (fileForm) {
    if (opts.root !== undefined) throw new SecretsError("usage", "--root applies to the secret-path form (secrets set SECRET_PATH [VALUE]) only");
    return setCommand(first, second!, third, opts);
  }
  return setSecretCommand(first, second, opts);
}

async function isFile(p: string): Promise<boolean> {
  const { stat } = await import("node:fs/promises");
  return stat(p).then((s) => s.isFile(), () => false);
}

/**
 * `secrets set SECRET_PATH [VALUE]`: one secret by path (`app/API_KEY`), written where `get` reads it
 * (a new file under the `.sops.yaml` rule when none holds it). The value is the text as given, a
 * string, as dotenvx's `set KEY value` takes it and as `get` prints it back: byte for byte, a
 * trailing newline included (pipe with `printf %s`, not `echo`). A JSON value (a number, a map) takes
 * the FILE PATH form, whose values are JSON as in sops.
 */
export async function setSecretCommand(secretPath: string, valueArg: string | undefined, opts: SetOptions & { root?: string }): Promise<void> {
  if (opts.inputType !== undefined || opts.ignoreMac || opts.idempotent) {
    throw new SecretsError("usage", "--input-type, --ignore-mac and --idempotent apply to the FILE PATH form only (a secret path names its file by its name)");
  }
  const text = await valueText(valueArg, opts);
  const { resolveRoot } = await import("../../secrets/root.js");
  const ws = cliWorkspace({ indent: parseIndent(opts.indent) });
  const repo = await ws.repository(resolveRoot({ root: opts.root }));
  await repo.write(secretPath, text);
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
