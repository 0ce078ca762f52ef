import { withFileAsync } from "../../errors.js";
import { SetupOptions, TextconvOptions, parseOptions } from "../option-schemas.js";

/**
 * `secrets git …`: wiring git to the secrets drivers. `setup` writes `.gitattributes` and local git
 * config (and a pre-commit hook); `textconv` is what git runs for `git diff` on a secrets file.
 */
export async function gitSetupCommand(raw: unknown): Promise<void> {
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
    const config = await ws.config().catch(() => null);
    const moreNames = async (unnamed: string[]) => (await import("../../git/policy-names.js")).namesWithHistory(config, unnamed);
    const out = await textconv(bytes, store, await ws.keys(), { values: opts.values, names: config?.recipientNames, moreNames, emit: { indent: await ws.indentFor(format).catch(() => undefined) } });
    await writeStdout(out);
  });
}
