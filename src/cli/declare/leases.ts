import type { Command } from "commander";
import { examples } from "../options.js";

/**
 * `creds` and `lease list|lookup|renew|revoke|tidy`: dynamic credentials from the engines the
 * repository configures under `.secrets/engines/` (docs/dynamic-secrets.md), and their leases, with
 * no server (options validated by src/cli/commands/creds.ts and lease.ts).
 */
const stateDirHelp = "where lease records are kept (default: .git/secrets-server, shared with `secrets serve`)";

export function registerCredsCommand(program: Command): void {
  program
    .command("creds")
    .description("mint a short-lived credential (a PostgreSQL login role, AWS STS keys) and print it: the lease id, and the values on stdout only")
    .argument("<path>", "the engine and role: database/creds/ROLE (or database/ROLE), aws/sts/ROLE or aws/creds/ROLE")
    .option("--ttl <duration>", "how long it lives (e.g. 15m, 1h, 3600); default: the role's default_ttl; capped at its max_ttl")
    .option("--format <format>", "json (Vault's response: lease_id, lease_duration, data…), env (dotenv lines) or shell (export lines)", "json")
    .option("--prefix <name>", "for env and shell: prefix the variables (DB gives DB_USERNAME, DB_PASSWORD, DB_LEASE_ID)")
    .option("--display-name <name>", "who asks, as part of the database user name (default: your login name)")
    .option("--state-dir <dir>", stateDirHelp)
    .option("--role-arn <arn>", "aws: the role to assume, one of the role's role_arns (needed when it allows several)")
    .option("--role-session-name <name>", "aws: the AssumeRole session name (default: vault-<display name>-<role>-<time>-<random>)")
    .option("--mfa-code <code>", "aws: the MFA code, for a session_token role with an mfa_serial_number")
    .addHelpText(
      "after",
      examples(
        "secrets creds database/creds/app",
        "secrets creds database/app --ttl 15m --format env --prefix DB > .env.db",
        'eval "$(secrets creds database/app --format shell --prefix PG)"',
        "secrets creds aws/sts/deploy --ttl 15m --role-arn arn:aws:iam::123456789012:role/Deploy",
      ),
    )
    .action(async (path: string, raw: unknown) => (await import("../commands/creds.js")).credsCommand(path, raw));
}

export function registerLeaseCommands(program: Command): void {
  const lease = program
    .command("lease")
    .description("the leases of dynamic credentials: list, lookup, renew, revoke, tidy (the lease id alone is enough to renew or revoke)")
    .addHelpText("after", examples("secrets lease list", "secrets lease renew database/creds/app/v-root-app-… --increment 1h", "secrets lease revoke database/creds/app/v-root-app-…", "secrets lease tidy"));

  lease
    .command("list")
    .description("the leases recorded in the state directory: id, expiry, renewable, irrevocable")
    .option("--prefix <prefix>", "only lease ids starting with this (e.g. database/creds/app/)")
    .option("--irrevocable", "only the leases whose revocation failed for good")
    .option("--format <format>", "table or json", "table")
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets lease list", "secrets lease list --irrevocable --format json"))
    .action(async (raw: unknown) => (await import("../commands/lease.js")).leaseListCommand(raw));

  lease
    .command("lookup")
    .description("one lease as Vault's sys/leases/lookup shows it (from its record, else from the database)")
    .argument("<lease-id>", "the lease id")
    .option("--format <format>", "table or json", "table")
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets lease lookup database/creds/app/v-root-app-Ab3…-1718000000 --format json"))
    .action(async (id: string, raw: unknown) => (await import("../commands/lease.js")).leaseLookupCommand(id, raw));

  lease
    .command("renew")
    .description("extend a lease (never past its max_ttl: capped, with Vault's warning)")
    .argument("<lease-id>", "the lease id")
    .option("--increment <duration>", "extend by this much from now (default: the role's default_ttl)")
    .option("--format <format>", "table or json", "table")
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets lease renew database/creds/app/v-root-app-Ab3…-1718000000 --increment 30m"))
    .action(async (id: string, raw: unknown) => (await import("../commands/lease.js")).leaseRenewCommand(id, raw));

  lease
    .command("revoke")
    .description("revoke a lease now: end the credential's sessions and drop it (success if it is gone already)")
    .argument("<lease-id>", "the lease id")
    .option("--force", "drop the lease's record even if the database cannot be reached (the role then stops working at its expiry, and tidy drops it)")
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets lease revoke \"$DB_LEASE_ID\"", "secrets lease revoke --force database/creds/app/v-root-app-Ab3…-1718000000"))
    .action(async (id: string, raw: unknown) => (await import("../commands/lease.js")).leaseRevokeCommand(id, raw));

  lease
    .command("tidy")
    .description("revoke expired and irrevocable leases, and drop every expired credential this tool made, even with no record left")
    .option("--format <format>", "table or json", "table")
    .option("--state-dir <dir>", stateDirHelp)
    .addHelpText("after", examples("secrets lease tidy", "secrets lease tidy --format json"))
    .action(async (raw: unknown) => (await import("../commands/lease.js")).leaseTidyCommand(raw));
}
