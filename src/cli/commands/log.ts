import { withFileAsync } from "../../errors.js";
import { LogOptions, parseOptions } from "../option-schemas.js";

/** `secrets log FILE [PATH]`: per secret, the commits that added, changed or removed it. */
export async function logCommand(file: string, treePath: string | undefined, raw: unknown): Promise<void> {
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
