import { SecretsError, ResultExitCode } from "../../errors.js";
import type { InventoryItem } from "../../rotation/inventory.js";
import type { RotationOutcome } from "../../rotation/runner.js";
import { info, writeStdout } from "../io.js";
import { isoTime, nowSeconds } from "../leases.js";
import { parseOptionsWithSchemaMessages, RotateValuesOptions, RotationStatusOptions } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

/**
 * `secrets rotation status` and `secrets rotate values` (#16), thin over src/rotation/: the
 * checkout's policy, inventory and runner. Nothing here prints a value: the inventory reads key
 * names and metadata only, and the runner's outcomes carry paths, steps and value-free messages.
 *
 * `SECRETS_ROTATION_KILL_AT=<step>` is a test hook: the process SIGKILLs itself right after the
 * runner recorded that step (`created`, `set`, `tested`, `committed`), so the tests can show that
 * a run resumed afterwards completes the rotation.
 */

async function openRotation(opts: { root?: string | undefined; stateDir?: string | undefined }) {
  const { openLocalRotation } = await import("../../rotation/local.js");
  return openLocalRotation({ cwd: process.cwd(), workspace: cliWorkspace(), env: process.env, ...(opts.root !== undefined ? { root: opts.root } : {}), ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}) });
}

function statusJson(i: InventoryItem): Record<string, unknown> {
  return {
    path: i.secret,
    state: i.state,
    owner: i.rule.owner,
    generator: i.rule.generator.type,
    strategy: i.rule.strategy,
    schedule: i.rule.schedule.kind === "every" ? { every: i.rule.schedule.seconds } : { cron: i.rule.schedule.expression },
    last_rotated: isoTime(i.lastRotated),
    due: isoTime(i.due),
    overdue_after: i.due === null ? null : isoTime(i.due + i.rule.windowSeconds),
    step: i.record?.step ?? null,
    attempts: i.record?.attempt ?? 0,
    error: i.record?.error ?? null,
  };
}

export async function rotationStatusCommand(raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(RotationStatusOptions, raw);
  const rotation = await openRotation(opts);
  if (rotation.rules.length === 0) info("secrets: no rotation policy (.secrets/rotation.yaml): no secret rotates");
  const items = await rotation.inventory(nowSeconds());
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(items.map(statusJson), null, 2) + "\n");
  } else {
    const { renderTable } = await import("../../access/report.js");
    const rows = items.map((i) => [i.secret, i.state, isoTime(i.lastRotated) ?? "never", isoTime(i.due) ?? "-", i.rule.generator.type, i.rule.owner]);
    await writeStdout(renderTable(["PATH", "STATE", "LAST ROTATED", "DUE", "GENERATOR", "OWNER"], rows));
    for (const i of items) if (i.state === "stuck") info(`secrets: ${i.secret} is stuck after ${i.record?.attempt ?? 0} attempts: ${i.record?.error ?? "unknown error"} (fix the cause, then \`secrets rotate values --reset ${i.secret}\`)`);
  }
  if (opts.failOnOverdue && items.some((i) => i.state === "overdue" || i.state === "stuck")) process.exitCode = ResultExitCode.Found;
}

/** The test hook (see the file's comment). */
function killAt(step: string | undefined): ((secret: string, s: string) => void) | undefined {
  if (!step) return undefined;
  return (_secret, s) => {
    if (s === step) process.kill(process.pid, "SIGKILL");
  };
}

function outcomeJson(o: RotationOutcome): Record<string, unknown> {
  return { path: o.secret, action: o.action, step: o.step, attempts: o.attempts, commit: o.commit, message: o.message };
}

export async function rotateValuesCommand(paths: string[], raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(RotateValuesOptions, raw);
  if (!opts.due && !opts.finish && paths.length === 0) throw new SecretsError("usage", "give the secret paths to rotate, or --due for every secret the schedule says is due");
  if (opts.due && paths.length) throw new SecretsError("usage", "give either --due or secret paths, not both");
  const rotation = await openRotation(opts);
  if (rotation.rules.length === 0) throw new SecretsError("usage", "no rotation policy: write .secrets/rotation.yaml first (docs/rotation.md)");
  const hook = killAt(process.env.SECRETS_ROTATION_KILL_AT);
  const outcomes = await rotation.runner(hook ? { onStep: hook } : {}).run({ paths, due: opts.due ?? false, dryRun: opts.dryRun ?? false, reset: opts.reset ?? false, finishOnly: opts.finish ?? false });
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(outcomes.map(outcomeJson), null, 2) + "\n");
  } else if (outcomes.length) {
    const { renderTable } = await import("../../access/report.js");
    await writeStdout(renderTable(["PATH", "RESULT", "STEP", "ATTEMPTS", "COMMIT"], outcomes.map((o) => [o.secret, o.action, o.step ?? "-", String(o.attempts), o.commit?.slice(0, 12) ?? "-"])));
  } else {
    info("secrets rotate values: nothing is due");
  }
  for (const o of outcomes) if (o.message !== null && (o.action === "stuck" || o.action === "failed" || o.action === "locked" || o.action === "waiting")) info(`secrets: ${o.secret}: ${o.message}`);
  if (outcomes.some((o) => o.action === "stuck" || o.action === "failed")) process.exitCode = ResultExitCode.Found;
}
