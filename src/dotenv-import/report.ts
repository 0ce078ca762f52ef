import type { ImportResult } from "./import.js";

/**
 * What `secrets import` says about an import, as lines: the plan (names only, never values) for
 * stdout, and the git-history warnings for stderr.
 */
export interface ImportReport {
  plan: string[];
  warnings: string[];
}

const label: Record<string, string> = { move: "encrypt", replace: "replace", unchanged: "already there", conflict: "CONFLICT", keep: "keep" };

export function importReport(result: ImportResult, opts: { dryRun?: boolean | undefined }): ImportReport {
  const { source: file, target } = result;
  const plan: string[] = [];
  const moved = result.entries.filter((e) => e.action !== "keep");
  const kept = result.entries.filter((e) => e.action === "keep");
  plan.push(`${opts.dryRun ? "plan (dry run, nothing written)" : "import"}: ${file} -> ${target}${result.targetExisted ? "" : " (new file)"}`);
  const width = Math.max(0, ...result.entries.map((e) => e.name.length));
  for (const e of [...moved, ...kept]) {
    const where = e.action !== "keep" && e.secretPath ? `  as ${e.secretPath}` : "";
    const why = e.reason ? `  (${e.reason})` : "";
    plan.push(`  ${label[e.action]!.padEnd(13)} ${where || why ? e.name.padEnd(width) : e.name}${where}${why}`);
  }
  if (!moved.length) plan.push("nothing to import: no entry looks like a secret (use --all to import everything)");
  else if (!opts.dryRun) plan.push(`${moved.length} secret${moved.length === 1 ? "" : "s"} in ${target}; ${file} keeps ${kept.length} entr${kept.length === 1 ? "y" : "ies"}`);

  const warnings: string[] = [];
  const h = result.history;
  if (h && (h.commits > 0 || h.tracked)) {
    if (h.exposed.length) {
      warnings.push(`warning: ${file} was committed to git (${h.commits} commit${h.commits === 1 ? "" : "s"}${h.tracked ? ", and it is tracked" : ""}); these values are in the repository's history and must be rotated: ${h.exposed.join(", ")}`);
    } else {
      warnings.push(`warning: ${file} was committed to git (${h.commits} commit${h.commits === 1 ? "" : "s"}), though not with the current values of the secrets imported`);
    }
    if (h.earlierValues.length) warnings.push(`warning: earlier values of ${h.earlierValues.join(", ")} are in git history too; revoke them if they still work anywhere`);
    if (h.tracked) warnings.push(`note: ${file} is tracked by git: commit its new version, or \`git rm --cached ${file}\` and add it to .gitignore`);
  }
  return { plan, warnings };
}
