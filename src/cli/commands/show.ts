import type { Command } from "commander";
import { SecretsError, withFileAsync } from "../../errors.js";

/** `secrets show FILE --rev REV`: the file decrypted as it was at a revision. */
export function registerShowCommand(program: Command): void {
  program
    .command("show")
    .description("print a secrets file decrypted as it was at a revision")
    .argument("<file>")
    .requiredOption("--rev <rev>", "the revision (commit, branch, tag, HEAD~3, …)")
    .option("--output-type <type>", "output format (default: the file's)")
    .option("--input-type <type>", "file format (default: from the extension)")
    .option("--ignore-mac", "do not verify the MAC")
    .addHelpText("after", "\nExamples:\n  $ secrets show secrets/app.yaml --rev HEAD~1\n  $ secrets show secrets/app.yaml --rev v1.2.0 --output-type json\n")
    .action(showCommand);
}

export async function showCommand(file: string, raw: unknown): Promise<void> {
  const { ShowOptions, parseOptions } = await import("../../git/options.js");
  const opts = parseOptions(ShowOptions, raw);
  const [{ openRepo, repoPath, resolveCommit }, { catFileBatch }, { loadStore, resolveFormat }, { openDocument }, { cliWorkspace }, { writeStdout }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/exec.js"),
    import("../../files/format.js"),
    import("../../sops/document.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const ws = cliWorkspace();
  await withFileAsync(file, async () => {
    const repo = await openRepo();
    const commit = await resolveCommit(repo, opts.rev);
    const rel = repoPath(repo, file);
    const [bytes] = await catFileBatch([`${commit}:${rel}`], { cwd: repo.top });
    if (!bytes) throw new SecretsError("no-file", `does not exist at ${opts.rev}`);
    const format = resolveFormat(opts.inputType, file);
    const store = await loadStore(format);
    const stored = store.parseEncrypted(bytes);
    const doc = await openDocument(stored, await ws.keys(), { ignoreMac: opts.ignoreMac });
    const outFormat = opts.outputType ? resolveFormat(opts.outputType, file) : format;
    const out = outFormat === format ? store : await loadStore(outFormat);
    await writeStdout(out.emitPlain(doc.branches, { indent: await ws.indentFor(outFormat) }));
  });
}
