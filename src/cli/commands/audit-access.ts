import type { AccessRecord, SkippedLineReason } from "../../audit-log/access-reader.js";
import { SecretsError } from "../../errors.js";
import { redactKeyMaterial, safeText } from "../../util/safe-text.js";
import { info, writeStdout } from "../io.js";
import { AuditAccessOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";

/**
 * `secrets audit --access LOG [--path P] [--since D] [--format table|json]`: who made which request
 * to which secret path, when, from where, and what came of it, from a Vault-format audit log (this
 * server's or Vault's). Nothing in it is a value or a token: the reader keeps neither (the log
 * holds only their HMACs anyway), and every string printed is passed through the key-material
 * redaction, for a token pasted into a request path, which Vault logs in plaintext.
 *
 * Streamed: records are printed in blocks as the log is read, so memory stays bounded for any log.
 * The table's column widths come from the first block and only grow after it.
 */

const BLOCK = 1000;
const HEADER = ["TIME", "WHO", "ACCESSOR", "OPERATION", "PATH", "FROM", "RESULT"];
const HMAC_PREFIX = "hmac-sha256:";
/** Hex digits of an HMAC'd accessor the table shows: enough to tell tokens apart; the JSON has it whole. */
const ACCESSOR_DIGITS = 8;

function from(r: AccessRecord): string {
  if (r.remoteAddress === undefined || r.remoteAddress === "") return "-";
  const host = r.remoteAddress.includes(":") ? `[${r.remoteAddress}]` : r.remoteAddress;
  return r.remotePort === undefined || r.remotePort === 0 ? host : `${host}:${r.remotePort}`;
}

function accessorCell(a: string | undefined): string {
  if (a === undefined || a === "") return "-";
  return a.startsWith(HMAC_PREFIX) ? a.slice(0, HMAC_PREFIX.length + ACCESSOR_DIGITS) : a;
}

/** go-multierror's ListFormatFunc, which Vault's errors are logged in: `N error(s) occurred:\n\t* a\n\t* b\n\n`. */
const MULTI_ERROR = /^\d+ errors? occurred:\n\t\* ([\s\S]*)\n\n$/;

/** An error as one cell: a multierror's items joined by `; ` (the JSON keeps the text as logged). */
function errorCell(error: string): string {
  const m = MULTI_ERROR.exec(error);
  return m ? m[1]!.split("\n\t* ").join("; ") : error;
}

function resultCell(r: AccessRecord): string {
  if (r.result === "error") return r.error === undefined ? "error" : errorCell(r.error);
  if (r.result === "no-response") return "no response";
  return r.responseData ? "ok" : "ok (no data)";
}

function row(r: AccessRecord): string[] {
  const cells = [r.time, r.displayName || "-", accessorCell(r.accessor), r.operation ?? "-", r.path || "-", from(r), resultCell(r)];
  return cells.map((c) => safeText(c));
}

/** A record as JSON: snake_case as Vault's own fields, null where the log has nothing. */
function jsonOf(r: AccessRecord): Record<string, unknown> {
  return {
    time: r.time,
    request_id: r.requestId ?? null,
    display_name: r.displayName ?? null,
    accessor: r.accessor ?? null,
    entity_id: r.entityId || null,
    policies: r.policies,
    operation: r.operation ?? null,
    path: r.path,
    mount_point: r.mountPoint ?? null,
    mount_type: r.mountType ?? null,
    secret: r.secret ?? null,
    remote_address: r.remoteAddress ?? null,
    remote_port: r.remotePort ?? null,
    result: r.result,
    error: r.error ?? null,
    response_data: r.responseData ?? null,
  };
}

function redactStrings(v: unknown): unknown {
  if (typeof v === "string") return redactKeyMaterial(v);
  if (Array.isArray(v)) return v.map(redactStrings);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x)]));
  return v;
}

/** The table, a block at a time; widths never shrink, so the columns stay put once printed. */
class TableWriter {
  private widths = HEADER.map((h) => h.length);
  private rows: string[][] = [];
  private started = false;

  async add(cells: string[]): Promise<void> {
    this.rows.push(cells);
    if (this.rows.length >= BLOCK) await this.flush();
  }

  async flush(): Promise<void> {
    for (const r of this.rows) r.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i]!, c.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(this.widths[i]!))).join("  ").trimEnd();
    const lines = this.rows.map(line);
    if (!this.started) lines.unshift(line(HEADER));
    this.started = true;
    this.rows = [];
    if (lines.length) await writeStdout(lines.join("\n") + "\n");
  }
}

/** The JSON array, a block at a time: one record per line. */
class JsonWriter {
  private pending: string[] = [];
  private count = 0;

  async add(r: AccessRecord): Promise<void> {
    this.pending.push(`${this.count++ === 0 ? "[\n" : ",\n"}  ${JSON.stringify(redactStrings(jsonOf(r)))}`);
    if (this.pending.length >= BLOCK) await this.flush();
  }

  async flush(end = false): Promise<void> {
    const text = this.pending.join("") + (end ? (this.count === 0 ? "[]\n" : "\n]\n") : "");
    this.pending = [];
    if (text) await writeStdout(text);
  }
}

/** What was skipped, for one warning per kind once the output is written. */
class Skipped {
  private readonly notEntries: number[] = [];
  private notEntryCount = 0;
  private readonly tooLong: number[] = [];
  private partial: number | undefined;

  note = (line: number, reason: SkippedLineReason): void => {
    if (reason === "partial") this.partial = line;
    else if (reason === "too-long") this.tooLong.push(line);
    else if (this.notEntryCount++ < 10) this.notEntries.push(line);
  };

  report(log: string, maxLineBytes: number): void {
    const name = safeText(log);
    if (this.notEntryCount) {
      const more = this.notEntryCount > this.notEntries.length ? ", …" : "";
      info(`secrets: ${name}: skipped ${this.notEntryCount} line(s) that are not audit entries (line ${this.notEntries.join(", ")}${more})`);
    }
    if (this.tooLong.length) info(`secrets: ${name}: skipped ${this.tooLong.length} line(s) longer than ${maxLineBytes} bytes (SECRETS_MAX_INPUT_BYTES; line ${this.tooLong.slice(0, 10).join(", ")})`);
    if (this.partial !== undefined) info(`secrets: ${name}: line ${this.partial} is cut short (the log was cut there, or is being written): skipped`);
  }
}

export async function auditAccessCommand(files: string[], raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(AuditAccessOptions, raw);
  if (files.length) throw new SecretsError("usage", "--access reads the audit log alone: give no files");
  const [{ readAccessLog }, { parseSince }, { maxInputBytes }] = await Promise.all([
    import("../../audit-log/access-reader.js"),
    import("../../audit-log/since.js"),
    import("../../io/read.js"),
  ]);
  const since = opts.since === undefined ? undefined : parseSince(opts.since, new Date());
  const maxLineBytes = maxInputBytes();
  const skipped = new Skipped();
  const records = readAccessLog(opts.access, { path: opts.path, since, onSkippedLine: skipped.note }, maxLineBytes);
  if (opts.format === "json") {
    const out = new JsonWriter();
    for await (const r of records) await out.add(r);
    await out.flush(true);
  } else {
    const out = new TableWriter();
    for await (const r of records) await out.add(row(r));
    await out.flush();
  }
  skipped.report(opts.access, maxLineBytes);
}
