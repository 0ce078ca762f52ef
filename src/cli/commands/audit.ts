import { SecretsError } from "../../errors.js";
import { AuditModeOptions, AuditOptions, parseOptions } from "../option-schemas.js";

/**
 * `secrets audit`: per secret, when it changed, by whom, and who could read it at each point. With
 * `--access LOG`, who made which request to which secret path instead, from the server's audit log
 * (audit-access.ts).
 */
export async function auditCommand(files: string[], raw: unknown): Promise<void> {
  const mode = parseOptions(AuditModeOptions, raw);
  if (mode.access !== undefined) return (await import("./audit-access.js")).auditAccessCommand(files, raw);
  if (mode.path !== undefined) throw new SecretsError("usage", "--path: only with --access (it selects requests in the audit log)");
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
