import * as core from "@actions/core";
import { resolve } from "node:path";
import { isSecretsError } from "../../src/errors.js";
import { verifyJson } from "../../src/access/report.js";
import { RuleBook } from "../../src/access/rules.js";
import { verifyFailed, verifyRepository, type Problem, type VerifyReport } from "../../src/access/verify.js";
import { rotationInventory } from "../../src/rotation/inventory.js";
import { loadRotationPolicy } from "../../src/rotation/policy.js";
import { resolveRoot } from "../../src/secrets/root.js";
import type { Workspace } from "../../src/workspace/workspace.js";
import { parseAgeKey, recordingKeySource } from "./age-key.js";
import { requireFileCommand } from "./export.js";
import { ActionFailure } from "./failure.js";
import { configFor, displayPath } from "./files.js";
import type { Inputs } from "./inputs.js";
import { say } from "./log.js";
import { counted, joinSafe, safe, shownPath, shownWho, type SafeText } from "./safe-text.js";
import { workingRoot } from "./workspace.js";

/**
 * `mode: verify`: `secrets verify` for CI. Every secret file must be encrypted, to exactly the
 * recipients its creation rule names; with an age-key, the MAC of each file that key opens is checked
 * too. Problems are listed in the log and the job summary (checked names only), the report is the
 * `verify-json` output, and any problem fails the step. Policy warnings (lint) are listed, not fatal.
 * With `fail-on-overdue`, a secret the rotation policy (`.secrets/rotation.yaml`) says is overdue
 * or stuck is a problem too (read from key names and metadata: no key needed, no value read).
 */

function problemText(p: Problem, file: SafeText): SafeText {
  switch (p.kind) {
    case "plaintext":
      return safe`${file}: not encrypted, but creation_rules[${p.rule}] covers it (encrypt it: secrets encrypt -i)`;
    case "malformed":
      return safe`${file}: its sops metadata is malformed or unreadable`;
    case "leftover":
      return safe`${file}: a temp file left by a killed writer: remove it (git add -A would commit it)`;
    case "mac":
      return safe`${file}: its MAC does not match or a value cannot be decrypted: modified outside sops/secrets, or corrupt`;
    case "drift": {
      const parts = [...(p.missing ?? []).map((r) => safe`missing ${shownWho(r.name, r.recipient)}`), ...(p.extra ?? []).map((r) => safe`extra ${shownWho(r.name, r.recipient)}`)];
      const what = parts.length ? joinSafe(parts, safe`, `) : safe`key groups or Shamir threshold differ`;
      return safe`${file}: recipients differ from creation_rules[${p.rule}]: ${what} (fix: secrets updatekeys --all)`;
    }
  }
}

function markdown(report: VerifyReport, lines: SafeText[], failed: boolean): SafeText {
  const out: SafeText[] = [failed ? safe`### gitops-secrets verify: failed` : safe`### gitops-secrets verify: ok`, safe``];
  const mac = report.macChecked ? safe`MACs checked on ${counted(report.macChecked, safe`file`, safe`files`)}` : safe`MACs not checked (no age-key for any file)`;
  out.push(safe`${counted(report.files, safe`secret file`, safe`secret files`)}; ${counted(report.problems.length, safe`problem`, safe`problems`)}; ${mac}.`, safe``);
  for (const l of lines) out.push(safe`- ${l}`);
  if (report.warnings.length) out.push(safe``, safe`${counted(report.warnings.length, safe`policy warning`, safe`policy warnings`)} (unnamed recipients, shadowed or unused rules): run secrets verify locally for details.`);
  if (report.uncovered.length) out.push(safe``, safe`${counted(report.uncovered.length, safe`entry`, safe`entries`)} not covered by the MAC (empty or clear values anyone can add without a key): run secrets verify locally for details.`);
  out.push(safe``);
  return joinSafe(out, safe`\n`);
}

/** The secrets under the rotation policy that are overdue or stuck (no state directory in CI: only the schedule). */
async function overdueRotations(workspace: string, secrets: Workspace): Promise<Array<{ path: string; state: string }>> {
  try {
    const rules = await loadRotationPolicy(workspace);
    const repo = await secrets.repository(resolveRoot({ cwd: workspace, env: process.env }));
    const items = await rotationInventory(repo, rules, null, Math.floor(Date.now() / 1000));
    return items.filter((i) => i.state === "overdue" || i.state === "stuck").map((i) => ({ path: i.secret, state: i.state }));
  } catch (e) {
    if (isSecretsError(e)) throw new ActionFailure(safe`fail-on-overdue: the rotation policy (.secrets/rotation.yaml) or the secrets could not be read (run secrets rotation status locally for details)`);
    throw e;
  }
}

export async function verifyMode(inputs: Inputs): Promise<void> {
  requireFileCommand("GITHUB_OUTPUT");
  const { workspace, secrets } = workingRoot(inputs);
  const config = await configFor(secrets);
  if (!config) throw new ActionFailure(safe`no .sops.yaml found from the working directory`);

  let keys;
  if (inputs["age-key"].trim() !== "") {
    const identities = parseAgeKey(inputs["age-key"]);
    keys = { source: recordingKeySource(identities, () => undefined), recipients: await Promise.all(identities.map((i) => i.recipient())) };
  }
  let report: VerifyReport;
  try {
    report = await verifyRepository(new RuleBook(config), keys ? { keys } : {});
  } catch (e) {
    if (isSecretsError(e)) throw new ActionFailure(safe`verify could not read the repository (is git installed, and the checkout complete?)`);
    throw e;
  }
  const overdue = inputs["fail-on-overdue"] ? await overdueRotations(workspace, secrets) : [];
  const failed = verifyFailed(report, false) || overdue.length > 0;
  const configFile = shownPath(displayPath(workspace, config.path));
  const lines = [
    // Keys are repository text: shown only as a count here; `secrets verify` names them.
    ...(report.configErrors.length ? [safe`${configFile}: ${counted(report.configErrors.length, safe`key or section`, safe`keys or sections`)} sops ignores (a misspelt key, or no creation_rules): run secrets verify locally for details`] : []),
    ...report.problems.map((p) => problemText(p, shownPath(displayPath(workspace, resolve(config.dir, p.file))))),
    ...overdue.map((o) => safe`rotation: ${shownPath(o.path)} is ${o.state === "stuck" ? safe`stuck` : safe`overdue`} (see secrets rotation status)`),
  ];
  core.setOutput("verify-json", JSON.stringify(verifyJson(report, failed)));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown(report, lines, failed), true).write();
  for (const l of lines) say(l);
  if (failed) {
    throw new ActionFailure(safe`verify failed: ${counted(lines.length, safe`problem`, safe`problems`)} in ${counted(report.files, safe`secret file`, safe`secret files`)} (listed above and in the job summary)`);
  }
  say(safe`verify ok: ${counted(report.files, safe`secret file`, safe`secret files`)} encrypted to their rules' recipients; ${report.macChecked ? safe`MACs checked on ${report.macChecked}` : safe`MACs not checked`}.`);
}
