import { isSecretsError } from "../../src/errors.js";
import type { KnownIdentity } from "../../src/keys/identities.js";
import { parseCredsPath } from "../../src/leases/lease-id.js";
import type { LeaseManager } from "../../src/leases/manager.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { recordingKeySource } from "./age-key.js";
import { ActionFailure } from "./failure.js";
import type { NamedValue } from "./file-commands.js";
import type { Inputs } from "./inputs.js";
import type { MaskRegistry } from "./masks.js";
import { ENV_NAME, nameForPath } from "./names.js";
import { joinSafe, safe, shownName, shownPath, type SafeText } from "./safe-text.js";
import { saveLeases } from "./state.js";

/**
 * The `dynamic` input (#15): one credential per line, minted for this job and revoked by the post
 * step (also when the job failed),
 *
 *     database/creds/app | DB
 *
 * exports DB_USERNAME, DB_PASSWORD and DB_LEASE_ID (every string field of the credential, upper-cased
 * under the name; without `| NAME`, the name is the path's mount and role: DATABASE_APP_…). The
 * engine is the repository's (`.secrets/engines/<mount>/`, its connection file opened with the
 * age-key identities), through the library's LeaseManager as `secrets creds` does. Each value is
 * registered with the masker the moment it exists, and each lease id is saved for the post step
 * before the next line is read, so a failure half-way still revokes what was minted.
 */

export interface DynamicLine {
  line: number;
  /** `<mount>/creds/<role>` as given. */
  path: string;
  /** The names' prefix. */
  name: string;
}

/** A minted credential, as the summary and the audit show it: no value, no lease id (it holds the user name). */
export interface IssuedDynamic {
  path: string;
  names: string[];
  ttl: number;
  renewable: boolean;
}

export interface DynamicSecret extends NamedValue {
  /** The credentials path it came from, for messages. */
  source: string;
}

/** The unix time in seconds, for the lease manager. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function parseDynamicLine({ line, text }: Inputs["dynamic"][number]): DynamicLine {
  const bar = text.lastIndexOf("|");
  const path = (bar >= 0 ? text.slice(0, bar) : text).trim();
  const given = bar >= 0 ? text.slice(bar + 1).trim() : undefined;
  let parts: { mount: string; role: string };
  try {
    parts = parseCredsPath(path);
  } catch (e) {
    if (isSecretsError(e)) throw new ActionFailure(safe`input dynamic: line ${line} is not a credentials path (expected MOUNT/creds/ROLE | NAME)`);
    throw e;
  }
  if (given !== undefined && !ENV_NAME.test(given)) throw new ActionFailure(safe`input dynamic: line ${line}: the name after | must match [A-Za-z_][A-Za-z0-9_]*`);
  const name = given ?? nameForPath([...parts.mount.split("/"), parts.role]);
  if (name === null) throw new ActionFailure(safe`input dynamic: line ${line}: give the credential a name after |`);
  return { line, path: `${parts.mount}/creds/${parts.role}`, name };
}

/** What went wrong minting or revoking, by the library's error kind, in fixed words (its text names repository strings). */
export function dynamicProblem(e: unknown): SafeText {
  if (!isSecretsError(e)) return safe`an unexpected error occurred`;
  switch (e.kind) {
    case "usage":
      return safe`the engine refused it (no such mount or role, a role the connection does not allow, or a lease past its max TTL)`;
    case "config":
      return safe`the engine's files under .secrets/engines/ are not valid`;
    case "no-key":
      return safe`no identity in age-key can open the engine's connection file`;
    case "no-file":
    case "not-found":
      return safe`the engine's connection or role file does not exist`;
    case "engine-unavailable":
      return safe`the external system (the database) could not be reached`;
    default:
      return safe`the engine failed`;
  }
}

/** The checkout's lease manager, its connection files opened with the age-key identities. */
export async function openLeases(root: string, identities: readonly KnownIdentity[]): Promise<LeaseManager> {
  const { openLocalLeases } = await import("../../src/leases/local.js");
  const workspace = new Workspace({ startDir: root, env: process.env, keys: recordingKeySource(identities, () => undefined) });
  // env: the AWS engine's web identity token (the job's GitHub OIDC token) when no key is configured.
  return (await openLocalLeases({ cwd: root, workspace, env: process.env })).manager;
}

/** The job's display name in the credentials' names (Vault's token display name): `gha-<job>` when plain enough. */
function displayName(): string {
  const job = process.env.GITHUB_JOB ?? "";
  return /^[A-Za-z0-9_-]{1,40}$/.test(job) ? `gha-${job}` : "gha";
}

/**
 * Mints every line's credential, masks its values, saves its lease id for the post step, and
 * returns the values to export and what the summary lists.
 */
export async function issueDynamic(lines: readonly DynamicLine[], leases: LeaseManager, masks: MaskRegistry): Promise<{ secrets: DynamicSecret[]; issued: IssuedDynamic[] }> {
  const secrets: DynamicSecret[] = [];
  const issued: IssuedDynamic[] = [];
  const ids: string[] = [];
  for (const l of lines) {
    let lease;
    try {
      lease = await leases.issue(l.path, { displayName: displayName(), now: nowSeconds() });
    } catch (e) {
      throw new ActionFailure(safe`input dynamic: line ${l.line}: cannot mint ${shownPath(l.path)}: ${dynamicProblem(e)}`);
    }
    const values = Object.entries(lease.data).filter((kv): kv is [string, string] => typeof kv[1] === "string");
    // Before anything else: from here on the runner masks them (the lease id holds the user name).
    masks.addValues([...values.map(([, v]) => v), lease.lease_id]);
    ids.push(lease.lease_id);
    saveLeases(ids);
    const named: DynamicSecret[] = values.map(([k, v]) => ({ name: `${l.name}_${nameForPath([k]) ?? "VALUE"}`, value: v, source: l.path }));
    named.push({ name: `${l.name}_LEASE_ID`, value: lease.lease_id, source: l.path });
    secrets.push(...named);
    issued.push({ path: l.path, names: named.map((s) => s.name), ttl: lease.lease_duration, renewable: lease.renewable });
  }
  return { secrets, issued };
}

/**
 * Revokes every lease main saved (the post step). `failed`: how many could not be revoked;
 * `expiring`: how many the engine could only let expire (AWS STS keys cannot be revoked early), so
 * the post step does not claim they are gone.
 */
export async function revokeAll(leaseIds: readonly string[], leases: Pick<LeaseManager, "revoke">): Promise<{ failed: number; expiring: number }> {
  let failed = 0;
  let expiring = 0;
  for (const id of leaseIds) {
    try {
      const result = await leases.revoke(id, { now: nowSeconds() });
      if (result.warnings?.length) expiring++;
    } catch {
      failed++;
    }
  }
  return { failed, expiring };
}

/** The summary's lines for the leases: paths, names, TTLs; never a value or a lease id. */
export function leasesMarkdown(issued: readonly IssuedDynamic[]): SafeText[] {
  if (issued.length === 0) return [];
  const lines: SafeText[] = [safe``, safe`#### Dynamic credentials (revoked by the post step)`, safe``, safe`| Path | Names | TTL (s) | Renewable |`, safe`| --- | --- | ---: | --- |`];
  for (const d of issued) {
    const names = joinSafe(d.names.map((n) => safe`\`${shownName(n)}\``), safe`<br>`);
    lines.push(safe`| \`${shownPath(d.path)}\` | ${names} | ${d.ttl} | ${d.renewable ? safe`yes` : safe`no`} |`);
  }
  return lines;
}
