import type { Command } from "commander";
import { examples } from "../options.js";

/**
 * Scheduled rotation of values (#16, docs/rotation.md): `rotation status` and `rotate values`.
 * Three names are kept apart on purpose: `rotate FILE` gives a file a new data key (sops'), `updatekeys`
 * re-wraps it for the recipients its rule names, and `rotate values` changes the secrets themselves.
 */
const stateDirHelp = "where rotations in progress are kept (default: .git/secrets-server, shared with `secrets serve`)";
const rootHelp = "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)";

export function registerRotationCommand(program: Command): void {
  const rotation = program
    .command("rotation")
    .description("scheduled rotation of values (.secrets/rotation.yaml): status")
    .addHelpText("after", examples("secrets rotation status", "secrets rotation status --format json --fail-on-overdue"));
  rotation
    .command("status")
    .description("every secret under the rotation policy: when it last rotated, when it is due, and whether it is ok, due, overdue, rotating or stuck; never a value")
    .option("--format <format>", "table or json", "table")
    .option("--fail-on-overdue", "exit 1 when a secret is overdue or stuck (a CI gate)")
    .option("--root <dir>", rootHelp)
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets rotation status", "secrets rotation status --fail-on-overdue"))
    .action(async (raw: unknown) => (await import("../commands/rotation.js")).rotationStatusCommand(raw));
}

/** `rotate values`: a subcommand of `rotate`, declared after it (a file named `values` is `./values`). */
export function registerRotateValuesCommand(program: Command): void {
  const rotate = program.commands.find((c) => c.name() === "rotate");
  if (!rotate) throw new Error("rotate must be declared before rotate values");
  rotate
    .command("values")
    .description("rotate secret values by the policy (.secrets/rotation.yaml): make a new value, set it where it is used, test it, commit it (not the data key: that is `rotate FILE`)")
    .argument("[paths...]", "the secrets to rotate now, whatever their schedule (e.g. app/API_TOKEN)")
    .option("--due", "every secret the schedule says is due, and every rotation in progress")
    .option("--finish", "only finish rotations already committed (disable the previous credential once its grace period has passed); start none")
    .option("--dry-run", "say what would rotate; change nothing anywhere")
    .option("--reset", "start again a rotation marked stuck (after fixing its cause)")
    .option("--format <format>", "table or json", "table")
    .option("--root <dir>", rootHelp)
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets rotate values --due", "secrets rotate values --due --dry-run", "secrets rotate values app/API_TOKEN", "secrets rotate values --reset database/app/password"))
    .action(async (paths: string[], raw: unknown) => (await import("../commands/rotation.js")).rotateValuesCommand(paths, raw));
}
