import type { Command } from "commander";

/**
 * `secrets import FILE`: moves the secrets of a `.env` (or JSON/YAML) file into an encrypted file
 * under the policy and rewrites the source without them. Prints the plan, names only.
 */

export interface ImportCommandOptions {
  to?: string;
  root?: string;
  dryRun?: boolean;
  all?: boolean;
  overwrite?: boolean;
  history?: boolean;
}

export function registerImportCommand(program: Command): void {
  program
    .command("import")
    .description("move the secrets of a .env (or JSON/YAML) file into an encrypted file; the rest stays")
    .argument("<file>", "the .env, .json or .yaml file to import")
    .option("--to <file>", "the encrypted file to write or merge into (default: <root>/app.yaml)")
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .option("--dry-run", "print the plan, change nothing")
    .option("--all", "import every entry, not only the sensitive ones")
    .option("--overwrite", "replace values the target already has with different ones")
    .option("--no-history", "do not look for the file in git history")
    .addHelpText("after", "\nExamples:\n  $ secrets import .env --dry-run\n  $ secrets import .env\n  $ secrets import config/prod.json --to secrets/prod.yaml\n")
    .action(async (file: string, o: ImportCommandOptions) => importCommand(file, o));
}

async function importCommand(file: string, o: ImportCommandOptions): Promise<void> {
  const [{ importIntoWorkspace }, { importReport }, { cliWorkspace }, { info, writeStdout }] = await Promise.all([
    import("../../dotenv-import/workspace-import.js"),
    import("../../dotenv-import/report.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const result = await importIntoWorkspace(cliWorkspace(), { source: file, to: o.to, root: o.root, all: o.all, dryRun: o.dryRun, overwrite: o.overwrite, history: o.history });
  const report = importReport(result, o);
  await writeStdout(report.plan.join("\n") + "\n");
  for (const w of report.warnings) info(w);
}
