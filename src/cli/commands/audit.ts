import type { Command } from "commander";

/** `secrets audit`: per secret, when it changed, by whom, and who could read it at each point. */
export function registerAuditCommand(program: Command): void {
  program
    .command("audit")
    .description("per secret: when it changed and by whom, and who could read it at each point (from git history)")
    .argument("[files...]", "secrets files (default: every tracked secrets file)")
    .option("--since <date>", "only changes after this date (anything git log --since takes)")
    .option("--format <format>", "markdown or json", "markdown")
    .option("--config <file>", "the .sops.yaml (its recipient names, and its path in older commits)")
    .addHelpText("after", "\nExamples:\n  $ secrets audit --since 2024-01-01 > AUDIT.md\n  $ secrets audit secrets/prod.yaml --format json\n")
    .action(auditCommand);
}

export async function auditCommand(files: string[], raw: unknown): Promise<void> {
  const { AuditOptions, parseOptions } = await import("../../git/options.js");
  const opts = parseOptions(AuditOptions, raw);
  const [{ openRepo, repoPath }, { audit }, { renderAuditJson, renderAuditMarkdown }, { cliWorkspace }, { writeStdout }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/audit.js"),
    import("../../git/render.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const ws = cliWorkspace(opts);
  const repo = await openRepo();
  const config = await ws.config();
  const report = await audit(repo, { since: opts.since, files: files.length ? files.map((f) => repoPath(repo, f)) : undefined, config });
  await writeStdout(opts.format === "json" ? renderAuditJson(report) : renderAuditMarkdown(report));
}
