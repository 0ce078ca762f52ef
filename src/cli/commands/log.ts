import type { Command } from "commander";
import { withFileAsync } from "../../errors.js";

/** `secrets log FILE [PATH]`: per secret, the commits that added, changed or removed it. */
export function registerLogCommand(program: Command): void {
  program
    .command("log")
    .description("per secret, the commits that added, changed or removed it (read from git, nothing decrypted)")
    .argument("<file>")
    .argument("[path]", `only this secret or the secrets under it: '["db"]' or db.password`)
    .option("--format <format>", "table or json", "table")
    .option("--values", "decrypt old versions (where your key still can) and show the values")
    .option("--since <date>", "only commits after this date (anything git log --since takes)")
    .option("--input-type <type>", "file format (default: from the extension)")
    .addHelpText("after", "\nExamples:\n  $ secrets log secrets/app.yaml\n  $ secrets log secrets/app.yaml db.password --format json\n")
    .action(logCommand);
}

export async function logCommand(file: string, treePath: string | undefined, raw: unknown): Promise<void> {
  const { LogOptions, parseOptions } = await import("../../git/options.js");
  const opts = parseOptions(LogOptions, raw);
  const [{ openRepo, repoPath }, { secretLog }, { renderLogJson, renderLogTable }, { loadStore, resolveFormat }, { writeStdout }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/log.js"),
    import("../../git/render.js"),
    import("../../files/format.js"),
    import("../io.js"),
  ]);
  await withFileAsync(file, async () => {
    const repo = await openRepo();
    const store = await loadStore(resolveFormat(opts.inputType, file));
    const keys = opts.values ? await (await import("../workspace.js")).cliWorkspace().keys() : undefined;
    const log = await secretLog(repo, repoPath(repo, file), store, { path: treePath, values: opts.values, keys, since: opts.since });
    await writeStdout(opts.format === "json" ? renderLogJson(log) : renderLogTable(log));
  });
}
