import type { Command } from "commander";
import { examples } from "../options.js";

/** Secrets through git history: `log`, `show`, `diff`, `audit` (options validated by the commands, src/cli/option-schemas.ts). */

export function registerLogCommand(program: Command): void {
  program
    .command("log")
    .description("per secret, the commits that added, changed or removed it (read from git, nothing decrypted)")
    .argument("<file>")
    .argument("[path]", `only this secret or the secrets under it: '["db"]' or db.password`)
    .option("--format <format>", "table or json", "table")
    .option("--values", "decrypt old versions (where your key still can) and show the values")
    .option("--since <date>", "only commits after this date (anything git log --since takes)")
    .option("--input-type <type>", "file format (default: from the extension)")
    .addHelpText("after", examples("secrets log secrets/app.yaml", "secrets log secrets/app.yaml db.password --format json"))
    .action(async (file: string, path: string | undefined, raw: unknown) => (await import("../commands/log.js")).logCommand(file, path, raw));
}

export function registerShowCommand(program: Command): void {
  program
    .command("show")
    .description("print a secrets file decrypted as it was at a revision")
    .argument("<file>")
    .requiredOption("--rev <rev>", "the revision (commit, branch, tag, HEAD~3, …)")
    .option("--output-type <type>", "output format (default: the file's)")
    .option("--input-type <type>", "file format (default: from the extension)")
    .option("--ignore-mac", "do not verify the MAC")
    .addHelpText("after", examples("secrets show secrets/app.yaml --rev HEAD~1", "secrets show secrets/app.yaml --rev v1.2.0 --output-type json"))
    .action(async (file: string, raw: unknown) => (await import("../commands/show.js")).showCommand(file, raw));
}

export function registerDiffCommand(program: Command): void {
  program
    .command("diff")
    .description("key-level diff of secrets files (added/changed/removed keys; values hidden unless --values)")
    .argument("[revs-and-files...]", "up to two revisions, then files (or put files after --)")
    .option("--staged", "compare with the index instead of the work tree")
    .option("--cached", "same as --staged")
    .option("--values", "show the values (decrypted)")
    .option("--format <format>", "text or json", "text")
    .option("--exit-code", "exit with 1 when there are differences")
    .addHelpText("after", examples("secrets diff", "secrets diff HEAD~3 -- secrets/app.yaml", "secrets diff main feature --values"))
    .action(async (operands: string[], raw: unknown) => (await import("../commands/diff.js")).diffCommand(operands, raw));
}

export function registerAuditCommand(program: Command): void {
  program
    .command("audit")
    .description(
      "per secret: when it changed and by whom, and who could read it at each point (from git history); with --access LOG: who made which request to which secret path, when, from where (from the server's audit log, no value)",
    )
    .argument("[files...]", "secrets files (default: every tracked secrets file)")
    .option("--since <date>", "only changes after this date (anything git log --since takes); with --access: a duration back from now (24h, 7d) or a date or RFC 3339 time")
    .option("--format <format>", "markdown or json (default markdown); with --access: table or json (default table)")
    .option("--config <file>", "the .sops.yaml (its recipient names, and its path in older commits)")
    .option("--access <log>", "read the requests in this Vault-format audit log (secrets serve --audit-file, or Vault's file device) instead of git history")
    .option("--path <path>", "with --access: only requests to paths this policy path covers (secret/data/app, secret/+/app, secret/*), any mount; default: every request to a secret")
    .addHelpText(
      "after",
      examples(
        "secrets audit --since 2024-01-01 > AUDIT.md",
        "secrets audit secrets/prod.yaml --format json",
        "secrets audit --access /var/log/secrets-audit.log --since 24h",
        "secrets audit --access audit.log --path 'secret/+/app' --format json",
      ),
    )
    .action(async (files: string[], raw: unknown) => (await import("../commands/audit.js")).auditCommand(files, raw));
}
