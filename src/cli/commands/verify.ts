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
 * prints one summary line and exits 0 otherwise.
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
  const failed = verifyFailed(report, !!opts.strict);
  await writeStdout(opts.format === "json" ? JSON.stringify(verifyJson(report, failed), null, 2) + "\n" : renderVerifyText(report, failed, !!opts.strict));
  if (failed) process.exitCode = ResultExitCode.Found;
}
