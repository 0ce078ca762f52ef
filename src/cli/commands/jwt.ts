import { userInfo } from "node:os";
import { openRepo } from "../../git/repo.js";
import { createKeyFile, identityFolder, RepositoryOidcConfig, rotateKeyFileInPlace } from "../../identity/files.js";
import { OidcIdentity } from "../../identity/identity.js";
import { DEFAULT_VERIFICATION_TTL, newKeyFile } from "../../identity/keys.js";
import { displayPath } from "../../secrets/resolve.js";
import { info, writeStdout } from "../io.js";
import { durationOption, nowSeconds } from "../leases.js";
import { JwtKeyCreateOptions, JwtKeyRotateOptions, JwtTokenOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

/**
 * `secrets jwt …`: identity tokens from the checkout's `.secrets/engines/identity/oidc/` files
 * (src/identity), no server. Only `token` prints a secret (the JWT, on stdout, on purpose); `key
 * create` and `key rotate` print key ids, never key material; `jwks` prints public keys.
 */

async function oidcConfig(): Promise<{ config: RepositoryOidcConfig; ws: ReturnType<typeof cliWorkspace> }> {
  const repo = await openRepo(process.cwd());
  const ws = cliWorkspace();
  return { config: new RepositoryOidcConfig({ folder: identityFolder(repo.top), workspace: ws }), ws };
}

/** Who asks, by default: the login name (as `secrets creds`). */
function defaultDisplayName(): string {
  try {
    return userInfo().username;
  } catch {
    return "cli";
  }
}

export async function jwtKeyCreateCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(JwtKeyCreateOptions, raw);
  const verificationTtl = opts.verificationTtl === undefined ? DEFAULT_VERIFICATION_TTL : durationOption(opts.verificationTtl, "--verification-ttl");
  const allowedClientIds = opts.allowedClientIds.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const { config, ws } = await oidcConfig();
  const file = config.keyFile(name);
  const content = await newKeyFile({ algorithm: opts.algorithm, verificationTtl, allowedClientIds });
  await createKeyFile(ws, file, content);
  info(`secrets jwt: wrote ${displayPath(file)} (${opts.algorithm}), signing key id ${content.signing_key.kid}, next ${content.next_signing_key!.kid}; commit it`);
}

export async function jwtKeyRotateCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(JwtKeyRotateOptions, raw);
  const override = opts.verificationTtl === undefined ? undefined : durationOption(opts.verificationTtl, "--verification-ttl");
  const { config, ws } = await oidcConfig();
  const file = config.keyFile(name);
  const rotation = await rotateKeyFileInPlace(file, name, await ws.keys(), nowSeconds(), override);
  info(`secrets jwt: rotated ${displayPath(file)}: key id ${rotation.kid} signs now; ${rotation.previousKid} stays in the JWKS until ${rotation.expireAt}; commit it`);
}

export async function jwtTokenCommand(role: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(JwtTokenOptions, raw);
  const ttl = opts.ttl === undefined ? undefined : durationOption(opts.ttl, "--ttl");
  const { config } = await oidcConfig();
  const identity = new OidcIdentity({ config, apiAddr: () => process.env.VAULT_API_ADDR });
  const minted = await identity.token(role, { displayName: opts.displayName ?? defaultDisplayName(), accessor: "", meta: {} }, nowSeconds(), ttl);
  for (const w of minted.warnings) info(`secrets: warning: ${w}`);
  if (opts.format === "json") {
    await writeStdout(JSON.stringify({ client_id: minted.client_id, token: minted.token, ttl: minted.ttl }, null, 2) + "\n");
    return;
  }
  await writeStdout(minted.token + "\n");
}

export async function jwtJwksCommand(): Promise<void> {
  const { config } = await oidcConfig();
  const jwks = await new OidcIdentity({ config }).jwks(nowSeconds());
  await writeStdout(JSON.stringify(jwks, null, 2) + "\n");
}
