import { renderVerifyText, verifyJson } from "../../access/report.js";
import { RuleBook } from "../../access/rules.js";
import { verifyFailed, verifyRepository } from "../../access/verify.js";
import { ResultExitCode } from "../../errors.js";
import { writeStdout } from "../io.js";
import { cliWorkspace, requireConfig } from "../workspace.js";
import { parseOptionsWithSchemaMessages, VerifyOptions } from "../option-schemas.js";

/**
 * `secrets verify`: the CI and pre-commit gate. Prints the problems and exits 1 when there are any
 * (or, with --strict, when the policy has warnings or a file has entries its MAC does not cover);
 * prints one summary line and exits 0 otherwise. With --fail-on-overdue, the secrets under the
 * rotation policy that are overdue or stuck are problems too (read from metadata: no key needed).
 */
export async function verifyCommand(raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(VerifyOptions, raw);
  // Quiet: verify reports the keys sops ignores as errors in its own report.
  const ws = cliWorkspace({ config: opts.config, quiet: true });
  const config = await requireConfig(ws);
  let keys;
  if (opts.mac) {
    const { ownRecipients } = await import("../../keys/source.js");
    // A broken key file must not hide the metadata checks: without usable keys, MACs are not checked.
    const recipients = await ownRecipients({ env: process.env }).catch(() => [] as string[]);
    if (recipients.length) keys = { source: await ws.keys(), recipients };
  }
  const report = await verifyRepository(new RuleBook(config), { keys });
  const overdue = opts.failOnOverdue ? await overdueRotations() : [];
  const failed = verifyFailed(report, !!opts.strict) || overdue.length > 0;
  if (opts.format === "json") {
    const body = verifyJson(report, failed);
    await writeStdout(JSON.stringify(opts.failOnOverdue ? { ...(body as Record<string, unknown>), rotation: overdue } : body, null, 2) + "\n");
  } else {
    const lines = overdue.map((o) => `rotation: ${o.path} is ${o.state} (owner ${o.owner}${o.due ? `, due ${o.due}` : ""})\n`);
    await writeStdout(lines.join("") + renderVerifyText(report, failed, !!opts.strict));
  }
  if (failed) process.exitCode = ResultExitCode.Found;
}

/** The secrets the rotation policy says are overdue or stuck. */
async function overdueRotations(): Promise<Array<{ path: string; state: string; owner: string; due: string | null }>> {
  const [{ openLocalRotation }, { isoTime, nowSeconds }] = await Promise.all([import("../../rotation/local.js"), import("../leases.js")]);
  const rotation = await openLocalRotation({ cwd: process.cwd(), workspace: cliWorkspace({ quiet: true }), env: process.env });
  const items = await rotation.inventory(nowSeconds());
  return items.filter((i) => i.state === "overdue" || i.state === "stuck").map((i) => ({ path: i.secret, state: i.state, owner: i.rule.owner, due: isoTime(i.due) }));
}
