import type { Command } from "commander";
import { configOption, examples } from "../options.js";

/**
 * Who can read which secret file: `access list|grant|revoke`, the `verify` gate and `policy diff`
 * (options validated by the commands, src/cli/option-schemas.ts).
 */

export function registerAccessCommands(program: Command): void {
  const access = program
    .command("access")
    .description("who can read which secret file: list, grant, revoke")
    .addHelpText("after", examples("secrets access list", "secrets access grant bob age1… --path '^secrets/dev/'", "secrets access revoke bob --commit"));

  configOption(
    access
      .command("list")
      .description("for every secret file: who can read it (its own recipients) beside who its rule names")
      .argument("[path]", "only files below this path")
      .option("--format <format>", "table or json", "table")
      .option("--recipient <age1…|name>", "only the files this recipient can read on its own (e.g. the server's: secrets keygen -y < its key file)"),
  )
    .addHelpText("after", examples("secrets access list", "secrets access list secrets/prod --format json", "secrets access list --recipient ci_prod"))
    .action(async (target: string | undefined, raw: unknown) => (await import("../commands/access.js")).accessListCommand(target, raw));

  configOption(
    access
      .command("grant")
      .description("name a recipient in .sops.yaml, add it to the rule for --path, re-encrypt the files that rule covers")
      .argument("<name>", "the recipient's name (the YAML anchor, e.g. alice)")
      .argument("[recipient]", "the age recipient (age1…); not needed when NAME is already declared under keys:")
      .requiredOption("--path <regex>", "the path_regex of the creation rule to add the recipient to (a new rule when none has it)")
      .option("--group <n>", "the key group to add it to, for rules with several groups")
      .option("--commit", "commit .sops.yaml and every re-encrypted file in one git commit")
      .option("--policy-only", "only edit .sops.yaml (someone with a key applies it later with updatekeys --all)"),
  )
    .addHelpText("after", examples("secrets access grant alice age1… --path '^secrets/prod/'", "secrets access grant ci_prod age1… --path '^secrets/prod/' --commit"))
    .action(async (name: string, recipient: string | undefined, raw: unknown) => (await import("../commands/access.js")).accessGrantCommand(name, recipient, raw));

  configOption(
    access
      .command("revoke")
      .description("remove a recipient from .sops.yaml and from every file; files it could read get a new data key")
      .argument("<name>", "the recipient's name (YAML anchor) or its age recipient")
      .option("--commit", "commit .sops.yaml and every re-encrypted file in one git commit")
      .option("--policy-only", "only edit .sops.yaml (someone with a key applies it later with updatekeys --all)"),
  )
    .addHelpText("after", examples("secrets access revoke bob", "secrets access revoke bob --commit"))
    .action(async (name: string, raw: unknown) => (await import("../commands/access.js")).accessRevokeCommand(name, raw));
}

export function registerVerifyCommand(program: Command): void {
  configOption(
    program
      .command("verify")
      .description("check that every secret file is encrypted to exactly its rule's recipients (the CI and pre-commit gate)")
      .option("--format <format>", "text or json", "text")
      .option("--strict", "also fail on policy warnings (unnamed recipients, shadowed or unused rules)")
      .option("--no-mac", "do not check MACs, even for files one of your keys opens")
      .option("--fail-on-overdue", "also fail when a secret under .secrets/rotation.yaml is overdue or stuck (see `secrets rotation status`)"),
  )
    .addHelpText("after", examples("secrets verify", "secrets verify --format json --no-mac", "secrets verify --fail-on-overdue"))
    .action(async (raw: unknown) => (await import("../commands/verify.js")).verifyCommand(raw));
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command("policy").description("review .sops.yaml and server access changes").addHelpText("after", examples("secrets policy diff origin/main"));

  configOption(
    policy
      .command("diff")
      .description("who gains and who loses read access to which files, and which server tokens and roles gain or lose which Vault capabilities, between two revisions (HEAD: the work tree)")
      .argument("<base>", "the base revision (e.g. origin/main)")
      .argument("[head]", "the head revision (default: the work tree)")
      .option("--format <format>", "markdown or json", "markdown")
      .option("--fail-on-change", "exit 1 when anyone gains or loses access (a file, or a server capability or role binding)"),
  )
    .addHelpText("after", examples("secrets policy diff origin/main", "secrets policy diff main HEAD --format json --fail-on-change"))
    .action(async (base: string, head: string | undefined, raw: unknown) => (await import("../commands/policy-diff.js")).policyDiffCommand(base, head, raw));
}
