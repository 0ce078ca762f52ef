import { SecretsError } from "../../errors.js";
import type { Workspace } from "../../workspace/workspace.js";
import { confirm, info } from "../io.js";
import { parseIndent } from "../option-schemas.js";
import { cliWorkspace, requireConfig } from "../workspace.js";
import { describePlan, printExposure, updateSummary, warnSkippedLinks } from "./plan-report.js";

export interface UpdatekeysOptions {
  all?: boolean;
  yes?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
  config?: string;
  indent?: string;
}

/**
 * `secrets updatekeys FILE...` and `secrets updatekeys --all`: re-wraps each file's data key for the
 * recipients its `.sops.yaml` rule names now. Adding recipients leaves values, `lastmodified` and the
 * MAC untouched; removing one also gives the file a new data key (see src/access/update.ts) and lists
 * the value paths the removed recipient could read. Unlike sops, the MAC is checked first (a tampered
 * file is not blessed with new recipients) unless `--ignore-mac`.
 */
export async function updatekeysCommand(files: string[], opts: UpdatekeysOptions): Promise<void> {
  const ws = cliWorkspace({ ...opts, indent: parseIndent(opts.indent) });
  if (opts.all) {
    if (files.length) throw new SecretsError("usage", "give either --all or files, not both");
    if (opts.inputType) throw new SecretsError("usage", "--input-type applies to named files, not to --all");
    await updateAll(ws, { yes: !!opts.yes, ignoreMac: !!opts.ignoreMac });
    return;
  }
  if (!files.length) throw new SecretsError("usage", "name the files to update, or use --all");
  const [{ planNamedFile }, { applyPlans, exposure }] = await Promise.all([import("../../access/file-update.js"), import("../../access/update.js")]);
  const keys = await ws.keys();
  for (const file of files) {
    const plan = await planNamedFile(ws, keys, file, opts);
    if (!plan) {
      info(`${file}: already up to date`);
      continue;
    }
    describePlan(plan, (r) => r);
    if (!opts.yes && !(await confirm("Apply?"))) {
      info(`${file}: not changed`);
      continue;
    }
    await applyPlans([plan]);
    info(`${file}: updated${plan.rotated ? " (new data key)" : ""}`);
    await printExposure(exposure([plan]), (r) => r);
  }
}

/** `secrets updatekeys --all`: every drifting secret file back to its rule's recipients (src/access/repository-plan.ts). */
async function updateAll(ws: Workspace, opts: { yes: boolean; ignoreMac: boolean }): Promise<void> {
  const [{ planRepository }, { applyPlans, exposure }, { Namer }] = await Promise.all([
    import("../../access/repository-plan.js"),
    import("../../access/update.js"),
    import("../../access/recipients.js"),
  ]);
  const config = await requireConfig(ws);
  const namer = new Namer(config);
  const label = (r: string) => namer.label(r);
  const { plans, notEncrypted, total, skippedLinks } = await planRepository(config, await ws.keys(), { ignoreMac: opts.ignoreMac });
  warnSkippedLinks(skippedLinks);
  if (notEncrypted.length) info(`skipping ${notEncrypted.length} secret file(s) that are not encrypted or not readable (see secrets verify): ${notEncrypted.join(", ")}`);
  if (!plans.length) {
    info(`updatekeys: all ${total} secret files match their rules`);
    return;
  }
  for (const p of plans) describePlan(p, label);
  if (!opts.yes && !(await confirm(`Apply to ${plans.length} file${plans.length === 1 ? "" : "s"}?`))) {
    info("updatekeys: nothing changed");
    return;
  }
  await applyPlans(plans);
  info(`updatekeys: ${updateSummary(plans)}`);
  await printExposure(exposure(plans), label);
}
