import { accessDiff } from "../../access/diff.js";
import { diffJson, renderDiffMarkdown } from "../../access/report.js";
import { ResultExitCode } from "../../errors.js";
import { writeStdout } from "../io.js";
import { cliWorkspace, requireConfig } from "../workspace.js";
import { parseOptionsWithSchemaMessages, PolicyDiffOptions } from "../option-schemas.js";

/** `secrets policy diff BASE [HEAD]`: read-access changes between two revisions (HEAD: the work tree). */
export async function policyDiffCommand(base: string, head: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(PolicyDiffOptions, raw);
  const config = await requireConfig(cliWorkspace(opts));
  const result = await accessDiff({ configPath: config.path, base, head });
  await writeStdout(opts.format === "json" ? JSON.stringify(diffJson(result), null, 2) + "\n" : renderDiffMarkdown(result));
  if (opts.failOnChange && result.changes.length) process.exitCode = ResultExitCode.Found;
}
