import type { Command } from "commander";
import { collect, examples } from "../options.js";

/**
 * `token create|revoke|list`: the tokens `secrets serve` accepts, kept in the repository's
 * `.secrets/tokens.yaml` (hashes only) so that a pull request shows who gets which policies
 * (options validated by src/cli/commands/token.ts with src/cli/option-schemas.ts).
 */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command("token")
    .description("tokens for `secrets serve`, kept in the repository as hashes: create, revoke, list")
    .addHelpText("after", examples("secrets token create admin --policy root", "secrets token create ci --policy deploy --ttl 720h --commit", "secrets token list"));

  token
    .command("create")
    .description("make a token, print it once on stdout, store only its hash in .secrets/tokens.yaml")
    .argument("<name>", "the token's name (its display name is token-NAME)")
    .requiredOption("--policy <policy>", "a policy the token carries (repeatable; `root` for the operator's token)", collect)
    .option("--ttl <duration>", "time to live (e.g. 720h, 30d, 3600); default: never expires")
    .option("--meta <key=value>", "metadata to attach (repeatable)", collect)
    .option("--no-default-policy", "do not add the `default` policy")
    .option("--commit", "commit .secrets/tokens.yaml")
    .addHelpText("after", examples("secrets token create admin --policy root", "secrets token create ci --policy deploy --policy read-only --ttl 30d --meta team=payments"))
    .action(async (name: string, raw: unknown) => (await import("../commands/token.js")).tokenCreateCommand(name, raw));

  token
    .command("revoke")
    .description("remove a token from .secrets/tokens.yaml (a running server refuses it at once)")
    .argument("<name>", "the token's name")
    .option("--commit", "commit .secrets/tokens.yaml")
    .addHelpText("after", examples("secrets token revoke ci --commit"))
    .action(async (name: string, raw: unknown) => (await import("../commands/token.js")).tokenRevokeCommand(name, raw));

  token
    .command("list")
    .description("the repository's tokens: name, accessor, policies, creation and expiry (never a token or its hash)")
    .option("--format <format>", "table or json", "table")
    .addHelpText("after", examples("secrets token list", "secrets token list --format json"))
    .action(async (raw: unknown) => (await import("../commands/token.js")).tokenListCommand(raw));
}
