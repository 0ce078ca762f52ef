import type { Command } from "commander";
import { examples } from "../options.js";

/**
 * `jwt key create|rotate`, `jwt token`, `jwt jwks`: signed identity tokens (JWTs) from the keys and
 * roles under `.secrets/engines/identity/oidc/` (docs/identity-tokens.md), with no server; `secrets
 * serve` answers the same from `identity/oidc/…`. Options are validated by src/cli/commands/jwt.ts.
 */
export function registerJwtCommands(program: Command): void {
  const jwt = program
    .command("jwt")
    .description("signed JWTs (identity tokens) for a role, their signing keys (kept encrypted in the repository) and the public key set")
    .addHelpText("after", examples("secrets jwt key create main", "secrets jwt token ci", "secrets jwt key rotate main", "secrets jwt jwks > jwks.json"));
  const key = jwt.command("key").description("the signing keys: .secrets/engines/identity/oidc/key/NAME.yaml, sops-encrypted");

  key
    .command("create")
    .description("a new signing key file (the key that signs and the next one), encrypted under the .sops.yaml rule for its path")
    .argument("<name>", "the key's name (roles name it in `key:`)")
    .option("--algorithm <alg>", "EdDSA (Ed25519) or ES256 (P-256)", "EdDSA")
    .option("--verification-ttl <duration>", "how long a rotated key stays in the JWKS; also the longest token TTL (default 24h)")
    .option("--allowed-client-ids <ids>", "comma-separated client ids (roles' audiences) that may sign with it; * for all", "*")
    .addHelpText("after", examples("secrets jwt key create main", "secrets jwt key create edge --algorithm ES256 --verification-ttl 1h --allowed-client-ids https://api.example"))
    .action(async (name: string, raw: unknown) => (await import("../commands/jwt.js")).jwtKeyCreateCommand(name, raw));

  key
    .command("rotate")
    .description("rotate a signing key: the next key signs, a new next key is made, the old public key stays in the JWKS for verification_ttl")
    .argument("<name>", "the key's name")
    .option("--verification-ttl <duration>", "keep the old public key this long instead of the key's verification_ttl")
    .addHelpText("after", examples("secrets jwt key rotate main", "secrets jwt key rotate main --verification-ttl 2h"))
    .action(async (name: string, raw: unknown) => (await import("../commands/jwt.js")).jwtKeyRotateCommand(name, raw));

  jwt
    .command("token")
    .description("mint a signed JWT for a role (.secrets/engines/identity/oidc/role/ROLE.yaml) and print it on stdout")
    .argument("<role>", "the role")
    .option("--ttl <duration>", "how long it lives (default: the role's ttl; capped at its max_ttl and the key's verification_ttl)")
    .option("--display-name <name>", "who asks: {{display_name}} in the role's templates (default: your login name)")
    .option("--format <format>", "token (the JWT alone) or json (Vault's data: client_id, token, ttl)", "token")
    .addHelpText("after", examples("secrets jwt token ci", 'curl -H "Authorization: Bearer $(secrets jwt token ci --ttl 5m)" https://api.example/'))
    .action(async (role: string, raw: unknown) => (await import("../commands/jwt.js")).jwtTokenCommand(role, raw));

  jwt
    .command("jwks")
    .description("the public key set (JWKS) of every signing key, as identity/oidc/.well-known/keys serves it: no private key")
    .addHelpText("after", examples("secrets jwt jwks", "secrets jwt jwks > public/jwks.json"))
    .action(async () => (await import("../commands/jwt.js")).jwtJwksCommand());
}
