import type { Command } from "commander";
import type { DecryptOptions } from "../commands/decrypt.js";
import type { EditOptions } from "../commands/edit.js";
import type { EncryptOptions } from "../commands/encrypt.js";
import type { filestatusCommand } from "../commands/filestatus.js";
import type { getSecretCommand } from "../commands/get.js";
import type { RotateOptions } from "../commands/rotate.js";
import type { setDispatch, SetOptions } from "../commands/set.js";
import type { UpdatekeysOptions } from "../commands/updatekeys.js";
import { creationOptions, examples, ignoreMac, indentOption, inputType, outputType } from "../options.js";

/** The commands on one encrypted file at a time, named and flagged as sops names them. */

export function registerEncryptCommand(program: Command): void {
  const cmd = program
    .command("encrypt")
    .description("encrypt a plaintext file (to stdout, --output or in place)")
    .argument("[file]", "the plaintext file (stdin when omitted; needs --filename-override)")
    .option("-i, --in-place", "replace the file with its encrypted form")
    .option("--output <file>", "write here (an existing encrypted file keeps its data key: minimal diff)");
  outputType(inputType(cmd)).option("--filename-override <path>", "pick the rule and format as if the file were at this path");
  indentOption(creationOptions(cmd))
    .addHelpText("after", examples("secrets encrypt -i secrets/app.yaml", "secrets encrypt --age age1… app.env > app.enc.env", "secrets encrypt app.dec.yaml --output secrets/app.yaml"))
    .action(async (file: string | undefined, o: EncryptOptions) => (await import("../commands/encrypt.js")).encryptCommand(file, o));
}

/** Declared for help and the lines the fast route leaves to commander (src/cli/fast-decrypt.ts). */
export function registerDecryptCommand(program: Command): void {
  const cmd = program
    .command("decrypt")
    .description("decrypt a file to stdout (or --output, or in place with -i; plaintext files get mode 0600)")
    .argument("<file>")
    .option("-i, --in-place", "replace the file with its plaintext (as sops decrypt -i)")
    .option("--extract <path>", `one value, e.g. '["db"]["password"]' (strings printed raw)`)
    .option("--output <file>", "write the plaintext here instead of stdout");
  indentOption(ignoreMac(outputType(inputType(cmd))))
    .addHelpText("after", examples("secrets decrypt secrets/app.yaml", `secrets decrypt --extract '["db"]["password"]' secrets/app.yaml`, "secrets decrypt --output-type json secrets/app.yaml"))
    .action(async (file: string, o: DecryptOptions) => (await import("../commands/decrypt.js")).decryptCommand(file, o));
}

export function registerEditCommand(program: Command): void {
  const cmd = program
    .command("edit")
    .description("edit an encrypted file in $SOPS_EDITOR/$EDITOR (a new file starts from a template)")
    .argument("<file>");
  indentOption(creationOptions(ignoreMac(inputType(cmd))))
    .addHelpText("after", examples("secrets edit secrets/app.yaml", "EDITOR='code --wait' secrets edit secrets/new.yaml"))
    .action(async (file: string, o: EditOptions) => (await import("../commands/edit.js")).editCommand(file, o));
}

export function registerSetCommand(program: Command): void {
  const cmd = program
    .command("set")
    .description("set one value: FILE PATH VALUE (VALUE is JSON, as in sops set; other values keep their ciphertext), or SECRET_PATH VALUE (the text as a string)")
    .argument("<file|secret-path>", "an encrypted file, or a secret path such as app/API_KEY")
    .argument("[path]", `with a file: the key path, ["a"]["b"] or a.b; with a secret path: the VALUE`)
    .argument("[value]", `JSON: '"text"', 5, true, {"k":"v"} (with --value-file: the file holding it)`)
    .option("--value-file", "VALUE names a file whose contents are the value (keeps it off the command line)")
    .option("--value-stdin", "read the value from stdin, no VALUE (keeps it off the command line)")
    .option("--raw", "the value is the text as it is (a string), not JSON (always so with a secret path)")
    .option("--idempotent", "do not write the file when the value is unchanged")
    .option("--root <dir>", "the secrets root for a secret path (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)");
  indentOption(ignoreMac(inputType(cmd)))
    .addHelpText("after", SET_NOTES)
    .addHelpText(
      "after",
      examples(
        "printf %s \"$API_KEY\" | secrets set app/API_KEY --value-stdin",
        "secrets set app/LOG_FORMAT json",
        `secrets set secrets/app.yaml '["db"]["password"]' '"s3cr3t"'`,
        "printf %s \"$TOKEN\" | secrets set --raw --value-stdin secrets/app.yaml api.token",
        "secrets set --value-file secrets/app.yaml tls.cert cert.json",
      ),
    )
    .action(async (first: string, second: string | undefined, third: string | undefined, o: Parameters<typeof setDispatch>[3]) =>
      (await import("../commands/set.js")).setDispatch(first, second, third, o),
    );
}

const SET_NOTES = `
Two forms. FILE PATH [VALUE] is sops' set: VALUE is JSON. SECRET_PATH [VALUE] (one argument, or two
when the first is not an existing file) writes the secret that \`secrets get SECRET_PATH\` reads, into
the file the path resolves to (a new one under the .sops.yaml rule when none exists); its value is the
text as given, a string, byte for byte (a newline from \`echo\` is kept: use printf %s).`;

export function registerUnsetCommand(program: Command): void {
  const cmd = program
    .command("unset")
    .description("remove one value")
    .argument("<file>")
    .argument("<path>")
    .option("--idempotent", "no error when the value is not there");
  indentOption(ignoreMac(inputType(cmd)))
    .addHelpText("after", examples(`secrets unset secrets/app.yaml '["db"]["password"]'`))
    .action(async (file: string, path: string, o: SetOptions) => (await import("../commands/set.js")).unsetCommand(file, path, o));
}

export function registerGetCommand(program: Command): void {
  const cmd = program
    .command("get")
    .description("print one decrypted value, raw (no newline added): by secret path, or FILE PATH")
    .argument("<file|secret-path>", "an encrypted file, or a secret path such as app/DATABASE_URL")
    .argument("[path]", "the key path in FILE (only with a file)");
  ignoreMac(inputType(cmd))
    .option("--root <dir>", "the secrets root for a secret path (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .addHelpText("after", examples("secrets get app/DATABASE_URL", "secrets get secrets/app.yaml db.password"))
    .action(async (file: string, path: string | undefined, o: Parameters<typeof getSecretCommand>[1]) => {
      const m = await import("../commands/get.js");
      return path === undefined ? m.getSecretCommand(file, o) : m.getCommand(file, path, o);
    });
}

/** `secrets list [PREFIX]`: paths and files, never values (nothing is decrypted). */
export function registerListCommand(program: Command): void {
  program
    .command("list")
    .description("the secret paths under the secrets root (or PREFIX), with the file each lives in; never a value (nothing is decrypted)")
    .argument("[prefix]", "a folder, file or key path such as app or database/postgres")
    .option("--format <format>", "table or json", "table")
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .addHelpText("after", examples("secrets list", "secrets list database", "secrets list --format json"))
    .action(async (prefix: string | undefined, o: unknown) => (await import("../commands/list.js")).listCommand(prefix, o));
}

export function registerRotateCommand(program: Command): void {
  const cmd = program
    .command("rotate")
    .description("give a file a new data key (every ciphertext changes): printed to stdout, or --output, or in place with -i (as sops rotate)")
    .argument("<files...>", "the file (several only with -i)")
    .option("-i, --in-place", "rewrite the files instead of printing the result")
    .option("--output <file>", "write the rotated file here")
    .option("--add-age <recipients>", "also encrypt to these recipients")
    .option("--rm-age <recipients>", "stop encrypting to these recipients");
  indentOption(ignoreMac(inputType(cmd)))
    .addHelpText("after", examples("secrets rotate -i secrets/app.yaml", "secrets rotate -i --rm-age age1… secrets/*.yaml", "secrets rotate secrets/app.yaml > rotated.yaml"))
    .action(async (files: string[], o: RotateOptions) => (await import("../commands/rotate.js")).rotateCommand(files, o));
}

export function registerUpdatekeysCommand(program: Command): void {
  const cmd = program
    .command("updatekeys")
    .description("re-wrap each file's data key for the recipients its .sops.yaml rule names now (a removed recipient also gets the file a new data key)")
    .argument("[files...]", "the files (or --all)")
    .option("--all", "every secret file of the repository whose recipients differ from its rule")
    .option("-y, --yes", "apply without asking")
    .option("--config <file>", "the .sops.yaml to use");
  indentOption(ignoreMac(inputType(cmd)))
    .addHelpText("after", examples("secrets updatekeys -y secrets/app.yaml", "secrets updatekeys --all --yes"))
    .action(async (files: string[], o: UpdatekeysOptions) => (await import("../commands/updatekeys.js")).updatekeysCommand(files, o));
}

export function registerFilestatusCommand(program: Command): void {
  inputType(program.command("filestatus").description('print {"encrypted":true} or {"encrypted":false}').argument("<file>"))
    .addHelpText("after", examples("secrets filestatus secrets/app.yaml"))
    .action(async (file: string, o: Parameters<typeof filestatusCommand>[1]) => (await import("../commands/filestatus.js")).filestatusCommand(file, o));
}
