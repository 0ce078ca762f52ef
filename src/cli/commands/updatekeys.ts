import { SecretsError } from "../../errors.js";
import { resolveFormat } from "../../files/format.js";
import type { FilePlan } from "../../access/update.js";
import { creationFor, getKeySource, indentFor, setConfigOverride } from "../context.js";
import { confirm, info, writeStdout } from "../io.js";

export interface UpdatekeysOptions {
  all?: boolean;
  yes?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
  config?: string;
}

/**
 * `secrets updatekeys FILE...` and `secrets updatekeys --all`: re-wraps each file's data key for the
 * recipients its `.sops.yaml` rule names now. Adding recipients leaves values, `lastmodified` and the
 * MAC untouched; removing one also gives the file a new data key (see src/access/update.ts) and lists
 * the value paths the removed recipient could read. Unlike sops, the MAC is checked first (a tampered
 * file is not blessed with new recipients) unless `--ignore-mac`.
 */
export async function updatekeysCommand(files: string[], opts: UpdatekeysOptions): Promise<void> {
  if (opts.config) setConfigOverride(opts.config);
  if (opts.all) {
    if (files.length) throw new SecretsError("usage", "give either --all or files, not both");
    if (opts.inputType) throw new SecretsError("usage", "--input-type applies to named files, not to --all");
    const { updateAll } = await import("./access.js");
    await updateAll({ yes: !!opts.yes, ignoreMac: !!opts.ignoreMac });
    return;
  }
  if (!files.length) throw new SecretsError("usage", "name the files to update, or use --all");
  const { planFile } = await import("../../access/update.js");
  const keys = await getKeySource();
  for (const file of files) {
    // The rule comes from where the file really is: a link named in this repository must not put
    // another repository's file under this one's recipients.
    const { realLocation } = await import("../../io/confine.js");
    let real: string;
    try {
      real = realLocation(file);
    } catch (e) {
      throw new SecretsError("outside-root", `${JSON.stringify(file)} is a dangling or looping symbolic link`, { cause: e });
    }
    const creation = await creationFor(real, {});
    const format = resolveFormat(opts.inputType, file);
    const plan = await planFile({ file, abs: file, format, target: creation.recipients, keys, ignoreMac: opts.ignoreMac, indent: await indentFor(format) });
    if (!plan) {
      info(`${file}: already up to date`);
      continue;
    }
    describePlan(plan, (r) => r);
    if (!opts.yes && !(await confirm("Apply?"))) {
      info(`${file}: not changed`);
      continue;
    }
    const { applyPlans, exposure } = await import("../../access/update.js");
    await applyPlans([plan]);
    info(`${file}: updated${plan.rotated ? " (new data key)" : ""}`);
    await printExposure(exposure([plan]), (r) => r);
  }
}

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
