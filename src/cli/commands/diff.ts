import { ResultExitCode, SecretsError } from "../../errors.js";
import { DiffOptions, parseOptions } from "../option-schemas.js";

/** `secrets diff [REV [REV]] [-- FILE...]`: key-level differences of secrets files. */
export async function diffCommand(operands: string[], raw: unknown): Promise<void> {
  const opts = parseOptions(DiffOptions, raw);
  const [{ openRepo, repoPath, resolveCommit }, { secretsDiff }, { renderDiffJson, renderDiffText }, { cliWorkspace }, { writeStdout }, { existsSync }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/diff.js"),
    import("../../git/render.js"),
    import("../workspace.js"),
    import("../io.js"),
    import("node:fs"),
  ]);
  const ws = cliWorkspace();
  const repo = await openRepo();
  // Operands after `--` are files; before it, revisions first (as git disambiguates them), then files.
  const dashdash = process.argv.indexOf("--");
  const afterDash = dashdash >= 0 ? process.argv.slice(dashdash + 1) : [];
  const before = operands.slice(0, operands.length - afterDash.length);
  const revs: string[] = [];
  const files: string[] = [...afterDash];
  for (const op of before) {
    if (!files.length && revs.length < 2) {
      try {
        revs.push(await resolveCommit(repo, op));
        continue;
      } catch (e) {
        if (!(e instanceof SecretsError) || !existsSync(op)) throw new SecretsError("usage", `"${op}" is neither a revision nor a file`);
      }
    }
    if (!existsSync(op)) throw new SecretsError("usage", `"${op}" is not a file (and at most two revisions come first)`);
    files.push(op);
  }
  const staged = !!(opts.staged || opts.cached);
  if (staged && revs.length > 1) throw new SecretsError("usage", "--staged compares one revision with the index: give at most one");
  const from = revs[0] ?? "HEAD";
  const to = revs[1] ? { rev: revs[1] } : staged ? { index: true as const } : { worktree: true as const };
  const diffs = await secretsDiff(repo, { from, to, paths: files.map((f) => repoPath(repo, f)), keys: await ws.keys() });
  let names: ReadonlyMap<string, string> | undefined;
  if (opts.format === "text") {
    const config = await ws.config().catch(() => null);
    const { namesWithHistory } = await import("../../git/policy-names.js");
    names = await namesWithHistory(config, diffs.flatMap((d) => [...d.recipientsAdded, ...d.recipientsRemoved]), repo);
  }
  await writeStdout(opts.format === "json" ? renderDiffJson(diffs, opts) : renderDiffText(diffs, { values: opts.values, names }));
  if (opts.exitCode && diffs.length) process.exitCode = ResultExitCode.Found;
}
