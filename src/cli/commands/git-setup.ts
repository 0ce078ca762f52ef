import type { Command } from "commander";
import { withFileAsync } from "../../errors.js";

/**
 * `secrets git …`: wiring git to the secrets drivers. `setup` writes `.gitattributes` and local git
 * config (and a pre-commit hook); `textconv` is what git runs for `git diff` on a secrets file.
 */
export function registerGitCommands(program: Command): void {
  const gitCmd = program.command("git").description("git integration: readable diffs, the merge driver, the commit guard");
  gitCmd
    .command("setup")
    .description("make git diff show secrets files decrypted and git merge/rebase/cherry-pick use the secrets merge driver")
    .option("--hooks", "also install a pre-commit hook running `secrets check --staged`")
    .option("--show-values", "git diff shows decrypted values (default: a keyed fingerprint per value)")
    .option("--command <cmd>", "how git should run this CLI (default: this node and this script, by absolute path)")
    .option("--force", "replace an existing pre-commit hook that is not ours")
    .option("--config <file>", "the .sops.yaml whose rules name the secrets files")
    .addHelpText("after", "\nExamples:\n  $ secrets git setup --hooks\n  $ secrets git setup --command secrets\n")
    .action(gitSetupCommand);
  gitCmd
    .command("textconv")
    .description("(run by git) print a secrets file decrypted for git diff, values as fingerprints")
    .argument("<file>")
    .option("--values", "show decrypted values instead of fingerprints")
    .action(textconvCommand);
}

export async function gitSetupCommand(raw: unknown): Promise<void> {
  const { SetupOptions, parseOptions } = await import("../../git/options.js");
  const opts = parseOptions(SetupOptions, raw);
  const [{ openRepo }, { gitSetup, shellQuote }, { cliWorkspace }, { info }, { realpathSync }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/setup.js"),
    import("../workspace.js"),
    import("../io.js"),
    import("node:fs"),
  ]);
  const ws = cliWorkspace(opts);
  const repo = await openRepo();
  // Git runs the drivers from hooks and merges, where PATH may not have `secrets`: name this very script.
  const command = opts.command ?? `${shellQuote(process.execPath)} ${shellQuote(realpathSync(process.argv[1]!))}`;
  const report = await gitSetup(repo, await ws.config(), { command, hooks: opts.hooks, showValues: opts.showValues, force: opts.force });
  for (const line of report) info(line);
}

export async function textconvCommand(file: string, raw: unknown): Promise<void> {
  const { TextconvOptions, parseOptions } = await import("../../git/options.js");
  const opts = parseOptions(TextconvOptions, raw);
  const [{ textconv }, { formatForPath, loadStore }, { readInput }, { cliWorkspace }, { writeStdout }] = await Promise.all([
    import("../../git/textconv.js"),
    import("../../files/format.js"),
    import("../../files/secret-file.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const ws = cliWorkspace();
  await withFileAsync(file, async () => {
    const bytes = await readInput(file);
    const format = formatForPath(file);
    const store = await loadStore(format);
    // Names are a nicety: a broken .sops.yaml must not break git diff.
    const names = (await ws.config().catch(() => null))?.recipientNames;
    const out = await textconv(bytes, store, await ws.keys(), { values: opts.values, names, emit: { indent: await ws.indentFor(format).catch(() => undefined) } });
    await writeStdout(out);
  });
}
