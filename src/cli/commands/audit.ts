import { AuditOptions, parseOptions } from "../option-schemas.js";

/** `secrets audit`: per secret, when it changed, by whom, and who could read it at each point. */
export async function auditCommand(files: string[], raw: unknown): Promise<void> {
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
