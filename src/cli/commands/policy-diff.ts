import path from "node:path";
import { accessDiff } from "../../access/diff.js";
import { diffJson, renderDiffMarkdown } from "../../access/report.js";
import { serverAccessDiff } from "../../access/server-diff.js";
import { renderServerDiffMarkdown, serverDiffJson } from "../../access/server-report.js";
import { ResultExitCode } from "../../errors.js";
import { workTreeTop } from "../../git/repo.js";
import { writeStdout } from "../io.js";
import { cliWorkspace, requireConfig } from "../workspace.js";
import { parseOptionsWithSchemaMessages, PolicyDiffOptions } from "../option-schemas.js";

/**
 * `secrets policy diff BASE [HEAD]`: read-access changes between two revisions (HEAD: the work
 * tree), and what the server's policies, tokens and roles grant or take away between them.
 */
export async function policyDiffCommand(base: string, head: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(PolicyDiffOptions, raw);
  const config = await requireConfig(cliWorkspace(opts));
  const result = await accessDiff({ configPath: config.path, base, head });
  // accessDiff has checked that this is a git work tree.
  const top = (await workTreeTop(path.dirname(config.path)))!;
  const server = await serverAccessDiff({ top, baseCommit: result.base.commit, headCommit: result.head?.commit ?? null });
  await writeStdout(
    opts.format === "json" ? JSON.stringify({ ...(diffJson(result) as object), server: serverDiffJson(server) }, null, 2) + "\n" : renderDiffMarkdown(result) + renderServerDiffMarkdown(result, server),
  );
  if (opts.failOnChange && (result.changes.length || server.changes.length || server.bindings.length)) process.exitCode = ResultExitCode.Found;
}
