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

export async function importCommand(file: string, o: ImportCommandOptions): Promise<void> {
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
