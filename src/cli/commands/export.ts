import type { Command } from "commander";
import { selectionOptions, type SelectionOptions } from "./run.js";

/** `secrets export [--format dotenv|json|shell] [FILE]`: the variables `secrets run` would set, on stdout. */

export function registerExportCommand(program: Command): void {
  selectionOptions(
    program
      .command("export")
      .description("print the variables `secrets run` would set (dotenv, json or shell)")
      .argument("[files...]", "encrypted files to export (default: every secret under the root)")
      .option("--format <format>", "dotenv, json or shell", "dotenv"),
  )
    .addHelpText("after", "\nExamples:\n  $ secrets export > .env.local\n  $ eval \"$(secrets export --format shell --only app)\"\n  $ secrets export --format json secrets/app.yaml\n")
    .action(async (files: string[], o: SelectionOptions & { format?: string }) => {
      const [{ environmentFor }, { formatEnvironment, parseExportFormat }, { writeStdout }] = await Promise.all([
        import("./run.js"),
        import("../../secrets/env-format.js"),
        import("../io.js"),
      ]);
      const format = parseExportFormat(o.format);
      const vars = await environmentFor({ ...o, file: [...(o.file ?? []), ...files] });
      await writeStdout(formatEnvironment(vars, format));
    });
}
