import { renderTable } from "../../access/report.js";
import { SecretsError } from "../../errors.js";
import type { LeaseInfo } from "../../leases/manager.js";
import { humanDuration } from "../../util/go-duration.js";
import { info, writeStdout } from "../io.js";
import { durationOption, isoTime, nowSeconds, withLeases } from "../leases.js";
import { LeaseListOptions, LeaseLookupOptions, LeaseRenewOptions, LeaseRevokeOptions, LeaseTidyOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";

/**
 * `secrets lease list|lookup|renew|revoke|tidy`: thin over the lease manager (src/leases/manager.ts).
 * Nothing here prints a credential: leases carry ids and times only. JSON output uses Vault's
 * field names (`sys/leases/lookup`, `sys/leases/renew`) with times in RFC 3339, UTC.
 */

function infoJson(l: LeaseInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: l.id,
    path: l.path,
    issue_time: isoTime(l.issue_time),
    expire_time: isoTime(l.expire_time),
    last_renewal: isoTime(l.last_renewal),
    renewable: l.renewable,
    ttl: l.ttl,
  };
  if (l.revoke_error !== undefined) out.revoke_error = l.revoke_error;
  return out;
}

function stateOf(l: LeaseInfo): string {
  if (l.revoke_error !== undefined) return "irrevocable";
  return l.expire_time !== null && l.ttl <= 0 ? "expired" : "active";
}

/** Vault's `vault lease lookup` table: Key, Value. */
function keyValueTable(o: Record<string, unknown>): string {
  const rows = Object.entries(o).map(([k, v]) => [k, v === null ? "<nil>" : Array.isArray(v) ? v.join(", ") : String(v as string | number | boolean)]);
  return renderTable(["Key", "Value"], rows);
}

export async function leaseListCommand(raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(LeaseListOptions, raw);
  const list = await withLeases(opts.stateDir, (leases) => leases.list({ now: nowSeconds(), ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}), irrevocable: opts.irrevocable ?? false }));
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(list.map(infoJson), null, 2) + "\n");
    return;
  }
  const rows = list.map((l) => [l.id, isoTime(l.expire_time) ?? "never", l.ttl > 0 ? humanDuration(l.ttl) : "0s", l.renewable ? "yes" : "no", stateOf(l)]);
  await writeStdout(renderTable(["LEASE ID", "EXPIRES", "TTL", "RENEWABLE", "STATE"], rows));
  for (const l of list) if (l.revoke_error !== undefined) info(`secrets: ${l.id} is irrevocable: ${l.revoke_error}`);
}

export async function leaseLookupCommand(leaseId: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(LeaseLookupOptions, raw);
  const found = await withLeases(opts.stateDir, (leases) => leases.lookup(leaseId, nowSeconds()));
  const body = infoJson(found);
  await writeStdout(opts.format === "json" ? JSON.stringify(body, null, 2) + "\n" : keyValueTable(body));
}

export async function leaseRenewCommand(leaseId: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(LeaseRenewOptions, raw);
  const increment = durationOption(opts.increment, "--increment");
  const renewed = await withLeases(opts.stateDir, (leases) => leases.renew(leaseId, increment, nowSeconds()));
  for (const w of renewed.warnings) info(`secrets: warning: ${w}`);
  const body = { lease_id: renewed.lease_id, lease_duration: renewed.lease_duration, renewable: renewed.renewable, warnings: renewed.warnings.length ? renewed.warnings : null };
  await writeStdout(opts.format === "json" ? JSON.stringify(body, null, 2) + "\n" : keyValueTable(body));
}

export async function leaseRevokeCommand(leaseId: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(LeaseRevokeOptions, raw);
  const result = await withLeases(opts.stateDir, (leases) => leases.revoke(leaseId, { force: opts.force ?? false, now: nowSeconds() }));
  for (const w of result.warnings ?? []) info(`secrets: warning: ${w}`);
  if (result.revoked) info(`secrets lease revoke: revoked ${leaseId}`);
  else info(`secrets: warning: ${leaseId}: its record was dropped, but the credential could not be revoked (${result.error ?? "unknown error"}); it stops working at its expiry, and \`secrets lease tidy\` drops it then`);
}

export async function leaseTidyCommand(raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(LeaseTidyOptions, raw);
  const report = await withLeases(opts.stateDir, (leases) => leases.tidy(nowSeconds()));
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(report, null, 2) + "\n");
  } else {
    const rows = [...report.revoked.map((id) => [id, "revoked"]), ...report.reaped.map((id) => [id, "reaped (no record)"]), ...report.irrevocable.map((id) => [id, "irrevocable"])];
    await writeStdout(renderTable(["LEASE ID", "RESULT"], rows));
  }
  for (const f of report.failures) info(`secrets: ${f}`);
  const failed = report.irrevocable.length + report.failures.length;
  if (failed) throw new SecretsError("engine-unavailable", `lease tidy: ${failed} lease${failed === 1 ? "" : "s"} or connection${failed === 1 ? "" : "s"} could not be tidied (see above); run it again later`);
}
