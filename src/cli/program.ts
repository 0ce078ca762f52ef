import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { SecretsError } from "../errors.js";
import { reportError, runAction } from "./report.js";
import { registerImportCommand } from "./commands/import.js";
import { registerRunCommand } from "./commands/run.js";
import { registerExportCommand } from "./commands/export.js";
import { registerAuditCommand } from "./commands/audit.js";
import { registerCheckCommand } from "./commands/check.js";
import { registerDiffCommand } from "./commands/diff.js";
import { registerGitCommands } from "./commands/git-setup.js";
import { registerLogCommand } from "./commands/log.js";
import { registerMergeDriverCommand } from "./commands/merge-driver.js";
import { registerShowCommand } from "./commands/show.js";
import { registerAccessCommands } from "./commands/access-commands.js";

/**
 * The `secrets` command line: names and flags follow sops where sops has them. Each action is a thin
 * call into a command module; every failure is printed once, by reportError, with its exit code.
 */

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

const inputType = () => new Option("--input-type <type>", "file format: yaml, json, dotenv, ini or binary (default: from the extension)");
const outputType = () => new Option("--output-type <type>", "output format (default: the input's)");
const ignoreMac = () => new Option("--ignore-mac", "do not verify the MAC (a tampered file will decrypt)");

function creationOptions(cmd: Command): Command {
  return cmd
    .option("--age <recipients>", "age recipients, comma-separated (replaces the .sops.yaml rule's keys)")
    .option("--config <file>", "the .sops.yaml to use (default: found by walking up from the current directory)")
    .option("--unencrypted-suffix <suffix>", "keys ending with this stay in clear")
    .option("--encrypted-suffix <suffix>", "only keys ending with this are encrypted")
    .option("--unencrypted-regex <re>", "keys matching this stay in clear")
    .option("--encrypted-regex <re>", "only keys matching this are encrypted")
    .option("--mac-only-encrypted", "the MAC covers only encrypted values");
}

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

  program
    .command("keygen")
    .description("generate an age identity, append it to the sops key file, print its recipient")
    .option("--pq", "a post-quantum hybrid key (ML-KEM-768 + X25519, age1pq1…)")
    .option("-o, --output <file>", "key file to append to (default: ~/.config/sops/age/keys.txt)")
    .addHelpText("after", examples("secrets keygen", "secrets keygen --pq -o ci-key.txt"))
    .action(async (o) => (await import("./commands/keygen.js")).keygenCommand(o));

  program
    .command("init")
    .description("write a .sops.yaml whose rule encrypts files under secrets/ to your age key")
    .option("--force", "replace an existing .sops.yaml")
    .option("--recipient <age1…>", "the recipient to grant (default: your first identity's)")
    .option("--name <name>", "the name (YAML anchor) for that recipient", "me")
    .addHelpText("after", examples("secrets init", "secrets init --name alice"))
    .action(async (o) => (await import("./commands/init.js")).initCommand(o));

  creationOptions(
    program
      .command("encrypt")
      .description("encrypt a plaintext file (to stdout, --output or in place)")
      .argument("[file]", "the plaintext file (stdin when omitted; needs --filename-override)")
      .option("-i, --in-place", "replace the file with its encrypted form")
      .option("--output <file>", "write here (an existing encrypted file keeps its data key: minimal diff)")
      .addOption(inputType())
      .addOption(outputType())
      .option("--filename-override <path>", "pick the rule and format as if the file were at this path"),
  )
    .addHelpText("after", examples("secrets encrypt -i secrets/app.yaml", "secrets encrypt --age age1… app.env > app.enc.env", "secrets encrypt app.dec.yaml --output secrets/app.yaml"))
    .action(async (file, o) => (await import("./commands/encrypt.js")).encryptCommand(file, o));

  program
    .command("decrypt")
    .description("decrypt a file to stdout (or --output, mode 0600)")
    .argument("<file>")
    .option("--extract <path>", `one value, e.g. '["db"]["password"]' (strings printed raw)`)
    .option("--output <file>", "write the plaintext here instead of stdout")
    .addOption(inputType())
    .addOption(outputType())
    .addOption(ignoreMac())
    .addHelpText("after", examples("secrets decrypt secrets/app.yaml", `secrets decrypt --extract '["db"]["password"]' secrets/app.yaml`, "secrets decrypt --output-type json secrets/app.yaml"))
    .action(async (file, o) => (await import("./commands/decrypt.js")).decryptCommand(file, o));

  creationOptions(
    program
      .command("edit")
      .description("edit an encrypted file in $SOPS_EDITOR/$EDITOR (a new file starts from a template)")
      .argument("<file>")
      .addOption(inputType())
      .addOption(ignoreMac()),
  )
    .addHelpText("after", examples("secrets edit secrets/app.yaml", "EDITOR='code --wait' secrets edit secrets/new.yaml"))
    .action(async (file, o) => (await import("./commands/edit.js")).editCommand(file, o));

  program
    .command("set")
    .description("set one value (VALUE is JSON, as in sops set); other values keep their ciphertext")
    .argument("<file>")
    .argument("<path>", `["a"]["b"] or a.b`)
    .argument("[value]", `JSON: '"text"', 5, true, {"k":"v"}`)
    .option("--value-stdin", "read the value from stdin as a raw string (keeps it off the command line)")
    .option("--idempotent", "do not write the file when the value is unchanged")
    .addOption(inputType())
    .addOption(ignoreMac())
    .addHelpText("after", examples(`secrets set secrets/app.yaml '["db"]["password"]' '"s3cr3t"'`, "printf %s \"$TOKEN\" | secrets set secrets/app.yaml api.token --value-stdin"))
    .action(async (file, path, value, o) => (await import("./commands/set.js")).setCommand(file, path, value, o));

  program
    .command("unset")
    .description("remove one value")
    .argument("<file>")
    .argument("<path>")
    .option("--idempotent", "no error when the value is not there")
    .addOption(inputType())
    .addOption(ignoreMac())
    .addHelpText("after", examples(`secrets unset secrets/app.yaml '["db"]["password"]'`))
    .action(async (file, path, o) => (await import("./commands/set.js")).unsetCommand(file, path, o));

  program
    .command("get")
    .description("print one decrypted value, raw (no newline added): by secret path, or FILE PATH")
    .argument("<file|secret-path>", "an encrypted file, or a secret path such as app/DATABASE_URL")
    .argument("[path]", "the key path in FILE (only with a file)")
    .addOption(inputType())
    .addOption(ignoreMac())
    .option("--root <dir>", "the secrets root for a secret path (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .addHelpText("after", examples("secrets get app/DATABASE_URL", "secrets get secrets/app.yaml db.password"))
    .action(async (file, path, o) => {
      const m = await import("./commands/get.js");
      return path === undefined ? m.getSecretCommand(file, o) : m.getCommand(file, path, o);
    });

  program
    .command("rotate")
    .description("give each file a new data key (every ciphertext changes)")
    .argument("<files...>")
    .option("--add-age <recipients>", "also encrypt to these recipients")
    .option("--rm-age <recipients>", "stop encrypting to these recipients")
    .addOption(inputType())
    .addOption(ignoreMac())
    .addHelpText("after", examples("secrets rotate secrets/app.yaml", "secrets rotate --rm-age age1… secrets/*.yaml"))
    .action(async (files, o) => (await import("./commands/rotate.js")).rotateCommand(files, o));

  program
    .command("updatekeys")
    .description("re-wrap each file's data key for the recipients its .sops.yaml rule names now (a removed recipient also gets the file a new data key)")
    .argument("[files...]", "the files (or --all)")
    .option("--all", "every secret file of the repository whose recipients differ from its rule")
    .option("-y, --yes", "apply without asking")
    .option("--config <file>", "the .sops.yaml to use")
    .addOption(inputType())
    .addOption(ignoreMac())
    .addHelpText("after", examples("secrets updatekeys -y secrets/app.yaml", "secrets updatekeys --all --yes"))
    .action(async (files, o) => (await import("./commands/updatekeys.js")).updatekeysCommand(files, o));

  program
    .command("filestatus")
    .description('print {"encrypted":true} or {"encrypted":false}')
    .argument("<file>")
    .addOption(inputType())
    .addHelpText("after", examples("secrets filestatus secrets/app.yaml"))
    .action(async (file, o) => (await import("./commands/filestatus.js")).filestatusCommand(file, o));

  // --- commands of other areas: one register call each (the module lazy-imports its implementation) ---
  registerImportCommand(program);
  registerRunCommand(program);
  registerExportCommand(program);
  registerLogCommand(program);
  registerShowCommand(program);
  registerDiffCommand(program);
  registerGitCommands(program);
  registerMergeDriverCommand(program);
  registerCheckCommand(program);
  registerAuditCommand(program);
  registerAccessCommands(program);
  // --- end of other areas ---

  return program;
}

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
