import { withFileAsync } from "../../errors.js";
import { loadStore, resolveFormat } from "../../files/format.js";
import { openSecretFile } from "../../files/secret-file.js";
import { Branch } from "../../sops/tree.js";
import { cliWorkspace } from "../workspace.js";
import { info } from "../io.js";
import { safeText } from "../../util/safe-text.js";
import { childEnvironment } from "./run.js";

/**
 * `secrets exec-env FILE COMMAND` and `secrets exec-file FILE COMMAND`, as sops defines them: the
 * COMMAND is one argument, run by `/bin/sh -c` (as sops does), with the terminal shared, the usual
 * signals passed on, and its exit status the CLI's (128 + n when signal n ended it).
 */

export interface ExecEnvOptions {
  pristine?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
  keepKeyEnv?: boolean;
}

export interface ExecFileOptions extends ExecEnvOptions {
  fifo?: boolean;
  filename?: string;
  outputType?: string;
  indent?: string;
}

async function shell(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  const { runWithEnvironment } = await import("../../secrets/child.js");
  return runWithEnvironment("/bin/sh", ["-c", command], env);
}

/** The environment the command starts from: ours (without the age key variables), or none with --pristine. */
function baseEnvironment(o: ExecEnvOptions): NodeJS.ProcessEnv {
  return o.pristine ? {} : childEnvironment(o.keepKeyEnv);
}

/** exec-env: each top-level value of FILE as a variable (src/secrets/exec-env.ts). */
export async function execEnvCommand(file: string, command: string, o: ExecEnvOptions): Promise<void> {
  const keys = await cliWorkspace().keys();
  const opened = await openSecretFile(file, keys, { inputType: o.inputType, ignoreMac: o.ignoreMac, readOnly: true });
  const { execEnvVariables } = await import("../../secrets/exec-env.js");
  const vars = withFileAsync(file, () => Promise.resolve(execEnvVariables(opened.doc.branches[0])));
  const env = baseEnvironment(o);
  for (const [k, v] of await vars) env[k] = v;
  process.exitCode = await shell(command, env);
}

/** exec-file: FILE's plaintext behind a FIFO (or a 0600 file with --no-fifo), its path in place of `{}`. */
export async function execFileCommand(file: string, command: string, o: ExecFileOptions): Promise<void> {
  const { parseIndent } = await import("../option-schemas.js");
  const ws = cliWorkspace({ indent: parseIndent(o.indent) });
  const keys = await ws.keys();
  const opened = await openSecretFile(file, keys, { inputType: o.inputType, ignoreMac: o.ignoreMac, readOnly: true });
  const data = await withFileAsync(file, async () => {
    const outFormat = o.outputType ? resolveFormat(o.outputType, file) : opened.format;
    const store = outFormat === opened.format ? opened.store : await loadStore(outFormat);
    return store.emitPlain(opened.doc.branches.length ? opened.doc.branches : [new Branch()], { indent: await ws.indentFor(outFormat) });
  });
  const { createPlaintextFile } = await import("../../secrets/exec-file.js");
  const { removeStalePlaintextDirs } = await import("../../io/edit-temp.js");
  for (const dir of await removeStalePlaintextDirs("exec")) info(`secrets: removed a stale exec-file folder of a killed run: ${safeText(dir)}`);
  const plain = await createPlaintextFile(data, { fifo: o.fifo !== false, filename: o.filename });
  // Every way out removes the plaintext: the command's end, a failure to start it, and (the safety
  // net) the process exiting for any other reason. A signal is passed on to the command; its end
  // then comes here.
  const dispose = plain.dispose;
  process.once("exit", dispose);
  try {
    process.exitCode = await shell(command.replaceAll("{}", plain.path), baseEnvironment(o));
  } finally {
    plain.dispose();
    process.off("exit", dispose);
  }
}
