import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { SecretsError } from "../errors.js";
import { reportError, runAction } from "./report.js";
import { registerAccessCommands, registerPolicyCommands, registerVerifyCommand } from "./declare/access.js";
import { registerExecEnvCommand, registerExecFileCommand, registerExportCommand, registerImportCommand, registerRunCommand } from "./declare/env.js";
import {
  registerDecryptCommand,
  registerEditCommand,
  registerEncryptCommand,
  registerFilestatusCommand,
  registerGetCommand,
  registerListCommand,
  registerRotateCommand,
  registerSetCommand,
  registerUnsetCommand,
  registerUpdatekeysCommand,
} from "./declare/files.js";
import { registerCheckCommand, registerGitCommands, registerMergeDriverCommand } from "./declare/git.js";
import { registerAuditCommand, registerDiffCommand, registerLogCommand, registerShowCommand } from "./declare/history.js";
import { registerJwtCommands } from "./declare/jwt.js";
import { registerCredsCommand, registerLeaseCommands } from "./declare/leases.js";
import { registerRotateValuesCommand, registerRotationCommand } from "./declare/rotation.js";
import { registerServeCommand } from "./declare/server.js";
import { registerInitCommand, registerKeygenCommand, registerVersionCommand } from "./declare/setup.js";
import { registerTokenCommands } from "./declare/tokens.js";

/**
 * The `secrets` command line: names and flags follow sops where sops has them. Every failure is
 * printed once, by reportError, with its exit code.
 *
 * How a command is declared (the one pattern): each command, or command group (`git`, `access`,
 * `policy`), has one `register…(program: Command)` function in a declaration module under
 * src/cli/declare/, grouped by area. It declares names, arguments, options and help, and its action
 * lazy-imports the implementation from src/cli/commands/, so building the program evaluates no
 * command's code. Options several commands share, and the examples section of the help, come from
 * src/cli/options.ts; the zod schemas that validate option values live in src/cli/option-schemas.ts
 * and are used by the implementations. Declaration modules import commander as a type only. This
 * file holds the program-level setup and the register calls, in the order `--help` lists them.
 *
 * `secrets decrypt FILE` usually bypasses all of this (fast-decrypt.ts, decrypt-route.ts): nothing
 * that route imports may import commander or the declarations.
 */

/**
 * `onUsageError` receives commander's error text instead of stderr (every subcommand inherits the
 * setting): run() prints it through reportError, so it gets the same treatment as any other error.
 */
export function buildProgram(onUsageError: (text: string) => void = (t) => process.stderr.write(t)): Command {
  const program = new Command("secrets")
    .description("Encrypted secrets in git, in the SOPS format (age keys).")
    .version(`secrets ${VERSION}`, "-V, --version")
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text) => onUsageError(text) })
    .exitOverride();

  registerKeygenCommand(program);
  registerInitCommand(program);
  registerEncryptCommand(program);
  registerDecryptCommand(program);
  registerEditCommand(program);
  registerSetCommand(program);
  registerUnsetCommand(program);
  registerGetCommand(program);
  registerListCommand(program);
  registerRotateCommand(program);
  registerRotateValuesCommand(program);
  registerUpdatekeysCommand(program);
  registerFilestatusCommand(program);
  registerImportCommand(program);
  registerRunCommand(program);
  registerExportCommand(program);
  registerExecEnvCommand(program);
  registerExecFileCommand(program);
  registerLogCommand(program);
  registerShowCommand(program);
  registerDiffCommand(program);
  registerGitCommands(program);
  registerMergeDriverCommand(program);
  registerCheckCommand(program);
  registerAuditCommand(program);
  registerAccessCommands(program);
  registerVerifyCommand(program);
  registerRotationCommand(program);
  registerPolicyCommands(program);
  registerTokenCommands(program);
  registerCredsCommand(program);
  registerLeaseCommands(program);
  registerJwtCommands(program);
  registerServeCommand(program);
  registerVersionCommand(program, `secrets ${VERSION}`);
  program.addHelpText("after", ENVIRONMENT_HELP);

  return program;
}

/** The environment variables that change what the CLI does, sops' first (each honoured as sops does). */
export const ENVIRONMENT_HELP = `
sops' command forms work too: \`secrets FILE\` (edit), \`secrets -d|-e|-r [-i] FILE\`.

Environment:
  SOPS_AGE_KEY               age identities (the AGE-SECRET-KEY-1… lines) to decrypt with
  SOPS_AGE_KEY_FILE          a file of age identities (default: ~/.config/sops/age/keys.txt)
  SOPS_AGE_KEY_CMD           a command whose output is age identities
  SOPS_AGE_RECIPIENTS        the default of --age (recipients for new files)
  SOPS_CONFIG                the .sops.yaml to use (like --config)
  SOPS_EDITOR, EDITOR        the editor of \`edit\` (SOPS_EDITOR first, split like a shell word list; default vi)
  SECRETS_ROOT               the secrets root for secret paths (default: secrets/ beside .sops.yaml)
  SECRETS_LOCK_TIMEOUT       how long a writer waits for a file's write lock (default 10s)
  SECRETS_MAX_INPUT_BYTES    the largest input file or stdin accepted (default 64 MiB)
  SECRETS_DEBUG=1            print an internal error's stack
`;

/**
 * Commander's error text, made safe to print. It quotes what the user typed in two places: an
 * unknown option (`secrets set FILE PATH -Pa55word` makes the value look like one) and an unknown
 * command; neither is shown, but commander's suggestion (one of our own names) is. The rest name
 * only our options and arguments.
 */
export function usageErrorMessage(code: string, text: string): string {
  const suggestion = /\(Did you mean (?:one of )?([^?]+)\?\)/.exec(text)?.[1];
  const didYouMean = suggestion ? `; did you mean ${suggestion}?` : "";
  if (code === "commander.unknownOption") {
    return `unknown option (what was given is not shown: it may be a value; to pass a value that starts with -, put -- before it)${didYouMean}`;
  }
  if (code === "commander.unknownCommand") return `unknown command (what was given is not shown)${didYouMean}`;
  return text.trim().replace(/^error: /, "").replace(/\s*\n\s*/g, "; ");
}

export async function run(argv: string[]): Promise<void> {
  await runAction(async () => {
    let usageText: string | undefined;
    try {
      await buildProgram((t) => (usageText = t)).parseAsync(argv, { from: "user" });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      // Help and --version exit through here too (commander's code, nothing to report); a usage
      // error exits with its kind's code (commander's is 1 as well).
      process.exitCode = usageText !== undefined ? reportError(new SecretsError("usage", usageErrorMessage(e.code, usageText))) : e.exitCode;
    }
  });
}
