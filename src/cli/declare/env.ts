import type { Command } from "commander";
import type { ExecEnvOptions, ExecFileOptions } from "../commands/exec.js";
import type { ExportCommandOptions } from "../commands/export.js";
import type { ImportCommandOptions } from "../commands/import.js";
import type { RunCommandOptions } from "../commands/run.js";
import { examples, ignoreMac, indentOption, inputType, outputType, selectionOptions } from "../options.js";

/** Secrets in and out of a process's environment: `import` a .env, `run` a command, `export` the variables. */

export function registerImportCommand(program: Command): void {
  program
    .command("import")
    .description("move the secrets of a .env (or JSON/YAML) file into an encrypted file; the rest stays")
    .argument("<file>", "the .env, .json or .yaml file to import")
    .option("--to <file>", "the encrypted file to write or merge into (default: <root>/app.yaml)")
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .option("--dry-run", "print the plan, change nothing")
    .option("--all", "import every entry, not only the sensitive ones")
    .option("--overwrite", "replace values the target already has with different ones")
    .option("--no-history", "do not look for the file in git history")
    .addHelpText("after", examples("secrets import .env --dry-run", "secrets import .env", "secrets import config/prod.json --to secrets/prod.yaml"))
    .action(async (file: string, o: ImportCommandOptions) => (await import("../commands/import.js")).importCommand(file, o));
}

export function registerRunCommand(program: Command): void {
  selectionOptions(
    program
      .command("run")
      .description("run a command with secrets in its environment (nested keys as UPPER_SNAKE)")
      .argument("<command...>", "the command and its arguments, after --"),
  )
    .addHelpText("after", RUN_NOTES)
    .addHelpText("after", examples("secrets run -- node server.js", "secrets run --env production -- node server.js", "secrets run --no-dotenv -- ./ci-step.sh", "secrets run --only app/DATABASE_URL,app/API_KEY -- ./migrate.sh", "secrets run --file secrets/ci.yaml -- npm test"))
    .option("--no-dotenv", "do not load the plain .env of the working directory")
    .option("--keep-key-env", KEEP_KEY_ENV)
    .action(async (command: string[], o: RunCommandOptions) => (await import("../commands/run.js")).runCommand(command, o));
}

const RUN_NOTES = `
The plain .env in the working directory (what \`secrets import\` left behind: LOG_LEVEL and other
non-sensitive keys) is loaded too, as dotenvx loads it: a variable already set in the environment
keeps its value, and an encrypted secret wins over a .env entry of the same name. Not loaded with
--only or --no-dotenv, nor when .env is itself sops-encrypted (give it to --file instead).

Environments (--env NAME): the secrets are those under <root>/NAME/ only (secrets/production/app.yaml
gives DATABASE_URL, as secrets/app.yaml does without --env), and the plain .env.NAME is loaded over
.env. The folder must exist. Without --env every secret under the root is injected, environment
folders included, so two environments' DATABASE_URL clash: choose one with --env.

With no --file and no --only, every secret under the root is injected; when there is none, one line on
stderr says so and the command still runs (as dotenvx does). With --file or --only, a file or prefix
that matches nothing is an error and the command does not run.`;

const KEEP_KEY_ENV = "pass the age key variables (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, SOPS_AGE_SSH_PRIVATE_KEY_FILE) on to the command";

/** sops' `exec-env FILE COMMAND`: COMMAND is one argument, run by /bin/sh -c. */
export function registerExecEnvCommand(program: Command): void {
  const cmd = program
    .command("exec-env")
    .description("run COMMAND (through /bin/sh -c, as sops) with FILE's top-level values as environment variables, keys as they are; exits with its status")
    .argument("<file>")
    .argument("<command>", "one argument: a shell command line")
    .option("--pristine", "the command's environment is the secrets only")
    .option("--keep-key-env", KEEP_KEY_ENV);
  ignoreMac(inputType(cmd))
    .addHelpText("after", examples("secrets exec-env secrets/app.env './server'", `secrets exec-env secrets/app.yaml 'echo "$DATABASE_URL" | wc -c'`))
    .action(async (file: string, command: string, o: ExecEnvOptions) => (await import("../commands/exec.js")).execEnvCommand(file, command, o));
}

/** sops' `exec-file FILE COMMAND`: `{}` in COMMAND is the plaintext's path (a FIFO unless --no-fifo). */
export function registerExecFileCommand(program: Command): void {
  const cmd = program
    .command("exec-file")
    .description("run COMMAND (through /bin/sh -c, as sops) with {} replaced by the path of FILE's plaintext: a FIFO, or with --no-fifo a 0600 file; removed when it ends, however it ends")
    .argument("<file>")
    .argument("<command>", "one argument: a shell command line, {} for the path")
    .option("--no-fifo", "a regular file (0600, in a private directory) instead of a FIFO, for commands that read it twice or seek")
    .option("--filename <name>", "the plaintext's file name (default tmp-file), e.g. to give it the extension a tool wants")
    .option("--keep-key-env", KEEP_KEY_ENV);
  indentOption(ignoreMac(outputType(inputType(cmd))))
    .addHelpText("after", examples("secrets exec-file secrets/kubeconfig.yaml 'kubectl --kubeconfig {} get pods'", "secrets exec-file --no-fifo --filename app.json secrets/app.yaml --output-type json 'jq . {}'"))
    .action(async (file: string, command: string, o: ExecFileOptions) => (await import("../commands/exec.js")).execFileCommand(file, command, o));
}

export function registerExportCommand(program: Command): void {
  selectionOptions(
    program
      .command("export")
      .description("print the secrets' variables `secrets run` would set, not the plain .env's (dotenv, json or shell)")
      .argument("[files...]", "encrypted files to export (default: every secret under the root)")
      .option("--format <format>", "dotenv, json or shell", "dotenv"),
  )
    .addHelpText("after", examples("secrets export > .env.local", `eval "$(secrets export --format shell --only app)"`, "secrets export --format json secrets/app.yaml"))
    .action(async (files: string[], o: ExportCommandOptions) => (await import("../commands/export.js")).exportCommand(files, o));
}
