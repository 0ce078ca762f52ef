import { environmentFor, type SelectionOptions } from "./run.js";

/** `secrets export [--format dotenv|json|shell] [FILE]`: the variables `secrets run` would set, on stdout. */

export interface ExportCommandOptions extends SelectionOptions {
  format?: string;
}

export async function exportCommand(files: string[], o: ExportCommandOptions): Promise<void> {
  const [{ formatEnvironment, parseExportFormat }, { writeStdout }] = await Promise.all([import("../../secrets/env-format.js"), import("../io.js")]);
  const format = parseExportFormat(o.format);
  const vars = await environmentFor({ ...o, file: [...(o.file ?? []), ...files] });
  await writeStdout(formatEnvironment(vars, format));
}
