import path from "node:path";
import { z } from "zod";
import { commitPaths } from "../../git/commit.js";
import { workTreeTop } from "../../git/repo.js";
import { repoFiles, repoListing, scanSecretFiles, type SkippedLink } from "../../access/inventory.js";
import { Namer } from "../../access/recipients.js";
import { accessListJson, renderAccessTable } from "../../access/report.js";
import { isPolicyFile, RuleBook } from "../../access/rules.js";
import { applyPlans, exposure, planDrift, type FilePlan } from "../../access/update.js";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { LoadedConfig } from "../../policy/load.js";
import { grantInPolicy, revokeInPolicy, type PolicyEdit } from "../../policy/edit.js";
import { getKeySource, setConfigOverride } from "../context.js";
import { confirm, info, writeStdout } from "../io.js";
import { formatEnum, parseOptions, requireConfig } from "./access-shared.js";
import { describePlan, printExposure } from "./updatekeys.js";

// ---------------------------------------------------------------------------------------------
// access list

const ListOptions = z.object({
  format: formatEnum(["table", "json"] as const, "table"),
  config: z.string().optional(),
});

/** `secrets access list [PATH]`: every secret file, who can read it, and who its rule says should. */
export async function accessListCommand(target: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptions(ListOptions, raw);
  if (opts.config) setConfigOverride(opts.config);
  const config = await requireConfig();
  let only: ((f: string) => boolean) | undefined;
  if (target !== undefined) {
    const rel = path.relative(config.dir, path.resolve(target)).split(path.sep).join("/");
    if (rel.startsWith("..") || path.isAbsolute(rel)) throw new SecretsError("usage", `${target} is outside the directory of ${config.path}`);
    only = rel === "" ? undefined : (f) => f === rel || f.startsWith(rel + "/");
  }
  const states = await scanSecretFiles(new RuleBook(config), { only });
  const namer = new Namer(config);
  await writeStdout(opts.format === "json" ? JSON.stringify(accessListJson(config, states, namer), null, 2) + "\n" : renderAccessTable(states, namer));
}

// ---------------------------------------------------------------------------------------------
// updatekeys --all

function cannotUpdate(failures: Array<{ file: string; message: string }>, total: number): SecretsError {
  const first = failures[0]!;
  const files = failures.map((f) => f.file).join(", ");
  return new SecretsError(
    "no-key",
    `cannot update ${failures.length} of ${total} drifting file${total === 1 ? "" : "s"}, so nothing was changed: ${files} (${first.file}: ${first.message})`,
  );
}

/** Names the symbolic links a rule covers that a repository-wide operation left alone, and why. */
function warnSkippedLinks(links: readonly SkippedLink[]): void {
  for (const l of links) {
    info(
      l.escapes
        ? `skipping ${JSON.stringify(l.file)}: a symbolic link that leads outside the repository (or nowhere); repository-wide operations never follow it`
        : `skipping ${JSON.stringify(l.file)}: a symbolic link; the file it leads to is handled at its own path, under its own rule`,
    );
  }
}

/** Plans every drifting file of the repository under `config`; throws when any cannot be opened. */
async function planRepository(config: LoadedConfig, ignoreMac: boolean): Promise<{ plans: FilePlan[]; notEncrypted: string[]; total: number }> {
  const book = new RuleBook(config);
  const listing = await repoListing(config.dir);
  warnSkippedLinks(listing.links.filter((l) => !isPolicyFile(l.file) && book.indexFor(l.file) >= 0));
  const states = await scanSecretFiles(book, { files: listing.files });
  const keys = await getKeySource();
  const { plans, failures } = await planDrift(book, states, keys, { ignoreMac });
  const drifting = states.filter((s) => s.status === "drift").length;
  if (failures.length) throw cannotUpdate(failures, drifting);
  const notEncrypted = states.filter((s) => s.status === "plaintext" || s.status === "malformed").map((s) => s.file);
  return { plans, notEncrypted, total: states.length };
}

function summary(plans: readonly FilePlan[]): string {
  const rotated = plans.filter((p) => p.rotated).length;
  return `${plans.length} file${plans.length === 1 ? "" : "s"} updated${rotated ? ` (${rotated} with a new data key)` : ""}`;
}

/** `secrets updatekeys --all`: every drifting secret file back to its rule's recipients. */
export async function updateAll(opts: { yes: boolean; ignoreMac: boolean }): Promise<void> {
  const config = await requireConfig();
  const namer = new Namer(config);
  const { plans, notEncrypted, total } = await planRepository(config, opts.ignoreMac);
  if (notEncrypted.length) info(`skipping ${notEncrypted.length} secret file(s) that are not encrypted or not readable (see secrets verify): ${notEncrypted.join(", ")}`);
  if (!plans.length) {
    info(`updatekeys: all ${total} secret files match their rules`);
    return;
  }
  for (const p of plans) describePlan(p, (r) => namer.label(r));
  if (!opts.yes && !(await confirm(`Apply to ${plans.length} file${plans.length === 1 ? "" : "s"}?`))) {
    info("updatekeys: nothing changed");
    return;
  }
  await applyPlans(plans);
  info(`updatekeys: ${summary(plans)}`);
  await printExposure(exposure(plans), (r) => namer.label(r));
}

// ---------------------------------------------------------------------------------------------
// grant / revoke

const EditOptions = z.object({
  commit: z.boolean().optional(),
  policyOnly: z.boolean().optional(),
  config: z.string().optional(),
});

const GrantOptions = EditOptions.extend({
  path: z.string().min(1, "give the path_regex of a rule"),
  group: z.coerce.number().int().min(0).optional(),
});

async function readPolicy(config: LoadedConfig): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(config.path, "utf8");
  } catch (e) {
    throw new SecretsError("config", `${config.path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
  }
}

/**
 * Writes an edited policy and applies it: every file that drifts from the new policy is updated
 * (all prepared before anything is written), then optionally one commit of all of it.
 */
async function applyEdit(old: LoadedConfig, edit: PolicyEdit, opts: { commit?: boolean | undefined; policyOnly?: boolean | undefined }, message: string): Promise<void> {
  const top = opts.commit ? await workTreeTop(old.dir) : null;
  if (opts.commit && !top) throw new SecretsError("usage", "--commit needs a git repository");
  const namer = new Namer(edit.config, old);
  let plans: FilePlan[] = [];
  if (!opts.policyOnly) {
    plans = (await planRepository(edit.config, false)).plans;
  }
  for (const c of edit.changes) info(`${path.basename(old.path)}: ${c}`);
  // The policy first: if writing the files is interrupted, `updatekeys --all` finishes the job
  // from the new policy (the other order would let it undo a revoke).
  await writeFileAtomic(old.path, edit.text);
  for (const p of plans) describePlan(p, (r) => namer.label(r));
  await applyPlans(plans);
  info(opts.policyOnly ? "policy updated; run `secrets updatekeys --all` to re-encrypt the files" : `access: ${summary(plans)}`);
  if (top) {
    const paths = [old.path, ...plans.map((p) => p.abs)].map((p) => path.relative(top, path.resolve(p)));
    const id = await commitPaths(top, paths, message);
    info(`committed ${id.slice(0, 12)}: ${message}`);
  }
  await printExposure(exposure(plans), (r) => namer.label(r));
}

/** `secrets access grant NAME [RECIPIENT] --path REGEX`. */
export async function accessGrantCommand(name: string, recipient: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptions(GrantOptions, raw);
  if (opts.config) setConfigOverride(opts.config);
  const config = await requireConfig();
  const edit = grantInPolicy(config, await readPolicy(config), { name, recipient, pathRegex: opts.path, group: opts.group });
  if (!edit.changed) {
    info(`${name} can already read the files of creation_rules[${edit.rule}]; nothing to change`);
    return;
  }
  if (edit.newRule) {
    // A new rule only for files no rule covers yet: files an existing rule covers would either be
    // taken from it (losing every other reader) or stay with it (the grant would do nothing).
    const files = await repoFiles(config.dir);
    const before = new RuleBook(config);
    const after = new RuleBook(edit.config);
    const covered = files.filter((f) => !isPolicyFile(f) && after.ruleMatches(edit.rule, f) && before.indexFor(f) >= 0);
    if (covered.length) {
      const by = [...new Set(covered.map((f) => before.indexFor(f)))].sort((a, b) => a - b).map((i) => `creation_rules[${i}]`).join(", ");
      throw new SecretsError(
        "usage",
        `no rule has path_regex ${JSON.stringify(opts.path)}, and ${covered.length} file(s) it matches are covered by ${by}; grant with that rule's path_regex instead`,
      );
    }
  }
  await applyEdit(config, edit, opts, `secrets access grant ${name} (${opts.path})`);
}

/** `secrets access revoke NAME`. */
export async function accessRevokeCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptions(EditOptions, raw);
  if (opts.config) setConfigOverride(opts.config);
  const config = await requireConfig();
  const edit = revokeInPolicy(config, await readPolicy(config), name);
  await applyEdit(config, edit, opts, `secrets access revoke ${edit.name ?? edit.recipient}`);
}
