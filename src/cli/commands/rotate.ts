import { rotateDataKeys } from "../../files/rotate.js";
import { info } from "../io.js";
import { cliWorkspace } from "../workspace.js";

export interface RotateOptions {
  addAge?: string;
  rmAge?: string;
  ignoreMac?: boolean;
  inputType?: string;
}

/** `secrets rotate FILE...`: a new data key for each file (src/files/rotate.ts), one line per file done. */
export async function rotateCommand(files: string[], opts: RotateOptions): Promise<void> {
  const ws = cliWorkspace();
  await rotateDataKeys({ keys: await ws.keys(), indentFor: (f) => ws.indentFor(f) }, files, { ...opts, onRotated: (file) => info(`${file}: data key rotated`) });
}
