import type { SkippedLink } from "../../access/inventory.js";
import type { FilePlan } from "../../access/update.js";
import { info, writeStdout } from "../io.js";

/** How updatekeys, grant and revoke show their plans and results (the flows are in src/access/). */

/** The key changes of one planned file, on stderr. */
export function describePlan(plan: FilePlan, label: (recipient: string) => string): void {
  info(`${plan.file}: key changes:${plan.rotated ? " (new data key: a recipient is removed)" : ""}`);
  for (const r of plan.delta.added) info(`  + ${label(r)}`);
  for (const r of plan.delta.removed) info(`  - ${label(r)}`);
  if (!plan.delta.added.length && !plan.delta.removed.length) info("  (key groups or threshold change)");
}

/**
 * On stdout: for each removed recipient, the value paths of the files it could read, to be rotated
 * at their source (a new data key does not make a copied secret useless).
 */
export async function printExposure(byRecipient: Map<string, Array<{ file: string; paths: string[] }>>, label: (recipient: string) => string): Promise<void> {
  const out: string[] = [];
  for (const [recipient, files] of byRecipient) {
    out.push(`${label(recipient)} could read these secrets; rotate them at their source:`);
    for (const f of files) out.push(`  ${f.file}: ${f.paths.length ? f.paths.join(", ") : "(no encrypted values)"}`);
  }
  if (out.length) await writeStdout(out.join("\n") + "\n");
}

/** Names the symbolic links a rule covers that a repository-wide operation left alone, and why. */
export function warnSkippedLinks(links: readonly SkippedLink[]): void {
  for (const l of links) {
    info(
      l.escapes
        ? `skipping ${JSON.stringify(l.file)}: a symbolic link that leads outside the repository (or nowhere); repository-wide operations never follow it`
        : `skipping ${JSON.stringify(l.file)}: a symbolic link; the file it leads to is handled at its own path, under its own rule`,
    );
  }
}

/** "3 files updated (1 with a new data key)". */
export function updateSummary(plans: readonly FilePlan[]): string {
  const rotated = plans.filter((p) => p.rotated).length;
  return `${plans.length} file${plans.length === 1 ? "" : "s"} updated${rotated ? ` (${rotated} with a new data key)` : ""}`;
}
