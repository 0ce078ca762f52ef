import { userInfo } from "node:os";
import { formatEnvironment } from "../../secrets/env-format.js";
import { humanDuration } from "../../util/go-duration.js";
import { info, writeStdout } from "../io.js";
import { durationOption, nowSeconds, withLeases } from "../leases.js";
import { CredsOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";

/** Who asks, by default: the login name (Vault's root token reads `root`). */
function defaultDisplayName(): string {
  try {
    return userInfo().username;
  } catch {
    return "cli";
  }
}

/**
 * `secrets creds database/creds/ROLE` (or `aws/sts/ROLE`, with `--role-arn`, `--role-session-name`,
 * `--mfa-code` as Vault's request fields): mints a credential and prints it. Like `secrets get`, this
 * prints a secret on purpose, on stdout only; stderr gets the lease id, its TTL and Vault's
 * warnings, never a value.
 *
 * - `json` (default): Vault's response, as `vault read -format=json database/creds/ROLE` prints
 *   it: `lease_id`, `lease_duration`, `renewable`, `data` (`username`, `password`), `warnings`
 *   (null when none).
 * - `env` / `shell`: `USERNAME`, `PASSWORD`, `LEASE_ID` (each `PREFIX_…` with `--prefix`), as
 *   dotenv lines or `export` lines for `eval`, quoted as `secrets export` quotes them.
 */
export async function credsCommand(path: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(CredsOptions, raw);
  const ttl = durationOption(opts.ttl, "--ttl");
  const parameters: Record<string, string> = {};
  if (opts.roleArn !== undefined) parameters.role_arn = opts.roleArn;
  if (opts.roleSessionName !== undefined) parameters.role_session_name = opts.roleSessionName;
  if (opts.mfaCode !== undefined) parameters.mfa_code = opts.mfaCode;
  const lease = await withLeases(opts.stateDir, (leases) => leases.issue(path, { ttl, displayName: opts.displayName ?? defaultDisplayName(), now: nowSeconds(), parameters }));
  info(`secrets creds: lease ${lease.lease_id}, for ${humanDuration(lease.lease_duration)}${lease.renewable ? ", renewable" : ""}; revoke it with: secrets lease revoke ${lease.lease_id}`);
  for (const w of lease.warnings) info(`secrets: warning: ${w}`);
  if (opts.format === "json") {
    const body = { lease_id: lease.lease_id, lease_duration: lease.lease_duration, renewable: lease.renewable, data: lease.data, warnings: lease.warnings.length ? lease.warnings : null };
    await writeStdout(JSON.stringify(body, null, 2) + "\n");
    return;
  }
  const name = (key: string): string => (opts.prefix ? `${opts.prefix}_${key}` : key);
  const vars = new Map<string, string>();
  for (const [k, v] of Object.entries(lease.data)) vars.set(name(k.toUpperCase()), v);
  vars.set(name("LEASE_ID"), lease.lease_id);
  await writeStdout(formatEnvironment(vars, opts.format === "env" ? "dotenv" : "shell"));
}
