import path from "node:path";
import { scanSecretFiles } from "../../access/inventory.js";
import { applyPolicyChange, grantEdit, planPolicyChange, revokeEdit } from "../../access/policy-change.js";
import { Namer, opensAlone, recipientNamed } from "../../access/recipients.js";
import { classifyRecipient } from "../../keys/recipients.js";
import { accessListJson, renderAccessTable } from "../../access/report.js";
import { RuleBook } from "../../access/rules.js";
import { exposure } from "../../access/update.js";
import { SecretsError } from "../../errors.js";
import type { LoadedConfig } from "../../policy/load.js";
import type { PolicyEdit } from "../../policy/edit.js";
import type { Workspace } from "../../workspace/workspace.js";
import { info, writeStdout } from "../io.js";
import { cliWorkspace, requireConfig } from "../workspace.js";
import { AccessEditOptions, AccessGrantOptions, AccessListOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";
import { describePlan, printExposure, updateSummary, warnSkippedLinks } from "./plan-report.js";

// ---------------------------------------------------------------------------------------------
// access list

/** `secrets access list [PATH]`: every secret file, who can read it, and who its rule says should. */
export async function accessListCommand(target: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(AccessListOptions, raw);
  const config = await requireConfig(cliWorkspace(opts));
  let only: ((f: string) => boolean) | undefined;
  if (target !== undefined) {
    const rel = path.relative(config.dir, path.resolve(target)).split(path.sep).join("/");
    if (rel.startsWith("..") || path.isAbsolute(rel)) throw new SecretsError("usage", `${target} is outside the directory of ${config.path}`);
    only = rel === "" ? undefined : (f) => f === rel || f.startsWith(rel + "/");
  }
  const all = await scanSecretFiles(new RuleBook(config), { only });
  const namer = new Namer(config);
  const reader = opts.recipient === undefined ? undefined : readerOf(config, opts.recipient);
  const states = reader === undefined ? all : all.filter((s) => s.actual !== undefined && opensAlone(s.actual, reader));
  await writeStdout(opts.format === "json" ? JSON.stringify(accessListJson(config, states, namer), null, 2) + "\n" : renderAccessTable(states, namer));
}

/** `--recipient`: an age recipient, or a name the policy gives one. */
function readerOf(config: LoadedConfig, given: string): string {
  const named = recipientNamed(given, config);
  if (named !== undefined) return named;
  const c = classifyRecipient(given);
  if (c.ok) return given;
  // Not echoed: a value pasted here by mistake may be a secret key (its reason says so).
  throw new SecretsError("usage", `--recipient: not a name in ${path.basename(config.path)}, and ${c.reason}`);
}

// ---------------------------------------------------------------------------------------------
// grant / revoke

/** Plans and applies a policy edit (src/access/policy-change.ts), saying what it does. */
async function applyEdit(ws: Workspace, old: LoadedConfig, edit: PolicyEdit, opts: { commit?: boolean | undefined; policyOnly?: boolean | undefined }, message: string): Promise<void> {
  const plan = await planPolicyChange(old, edit, await ws.keys(), opts);
  const label = (r: string) => plan.namer.label(r);
  warnSkippedLinks(plan.skippedLinks);
  for (const c of edit.changes) info(`${path.basename(old.path)}: ${c}`);
  for (const p of plan.plans) describePlan(p, label);
  const { commit } = await applyPolicyChange(plan, message);
  info(opts.policyOnly ? "policy updated; run `secrets updatekeys --all` to re-encrypt the files" : `access: ${updateSummary(plan.plans)}`);
  if (commit) info(`committed ${commit.slice(0, 12)}: ${message}`);
  await printExposure(exposure(plan.plans), label);
}

/** `secrets access grant NAME [RECIPIENT] --path REGEX`. */
export async function accessGrantCommand(name: string, recipient: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(AccessGrantOptions, raw);
  const ws = cliWorkspace(opts);
  const config = await requireConfig(ws);
  const edit = await grantEdit(config, { name, recipient, pathRegex: opts.path, group: opts.group });
  if (!edit.changed) {
    info(`${name} can already read the files of creation_rules[${edit.rule}]; nothing to change`);
    return;
  }
  await applyEdit(ws, config, edit, opts, `secrets access grant ${name} (${opts.path})`);
}

/** `secrets access revoke NAME`. */
export async function accessRevokeCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(AccessEditOptions, raw);
  const ws = cliWorkspace(opts);
  const config = await requireConfig(ws);
  const edit = await revokeEdit(config, name);
  await applyEdit(ws, config, edit, opts, `secrets access revoke ${edit.name ?? edit.recipient}`);
}
