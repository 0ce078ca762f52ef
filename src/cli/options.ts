import type { Command } from "commander";

/**
 * The options and help text several commands share, each a function that adds them to a command
 * and returns it. They use only `cmd.option(...)`: the declarations need no commander at run time
 * beyond the program they are given.
 */

/** The help text's examples section: one `$ line` each. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

export const inputType = (cmd: Command): Command => cmd.option("--input-type <type>", "file format: yaml, json, dotenv, ini or binary (default: from the extension)");
export const outputType = (cmd: Command): Command => cmd.option("--output-type <type>", "output format (default: the input's)");
/** sops' `--indent N` (a global flag there, honoured by its subcommands since 3.13). */
export const indentOption = (cmd: Command): Command =>
  cmd.option("--indent <n>", "spaces per level in YAML and JSON output (-1: a tab, JSON only); replaces .sops.yaml's stores indent, as in sops");
export const ignoreMac = (cmd: Command): Command => cmd.option("--ignore-mac", "do not verify the MAC (a tampered file will decrypt)");

/** `--config FILE`, for the commands that read the creation rules or recipient names. */
export const configOption = (cmd: Command): Command => cmd.option("--config <file>", "the .sops.yaml to use (default: found by walking up from the current directory)");

/** The options that override the `.sops.yaml` creation rule (`encrypt`, `edit`). */
export function creationOptions(cmd: Command): Command {
  return configOption(cmd.option("-a, --age <recipients>", "age recipients, comma-separated (replaces the .sops.yaml rule's keys)"))
    .option("--unencrypted-suffix <suffix>", "keys ending with this stay in clear")
    .option("--encrypted-suffix <suffix>", "only keys ending with this are encrypted")
    .option("--unencrypted-regex <re>", "keys matching this stay in clear")
    .option("--encrypted-regex <re>", "only keys matching this are encrypted")
    .option("--mac-only-encrypted", "the MAC covers only encrypted values");
}

/** For a repeatable option: each use appends its value. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--file`, `--only`, `--root`, `--allow-unauthenticated`: the selection options `run` and `export` share. */
export function selectionOptions(cmd: Command): Command {
  return cmd
    .option("--file <file>", "inject every value of this encrypted file (repeatable)", collect)
    .option("--only <paths>", "inject only the secrets under these secret paths, comma-separated (repeatable)", collect)
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .option("--env <name>", "one environment's secrets: those under <root>/NAME/ only (secrets/production/…), named as if NAME/ were the root")
    .option("--allow-unauthenticated", "also inject values the file's MAC does not cover (\"\", null, {}, [], values in clear), which anyone can add without a key");
}
