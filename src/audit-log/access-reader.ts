/**
 * "Who accessed which secret path, when, from where", read back from an audit log: the library
 * side of `secrets audit --access LOG [--path P] [--since D]`.
 *
 * One record per `request` line (Vault writes one per request, before handling it; its error, if
 * the request was refused there, e.g. `permission denied`, is on that line). A record holds only
 * what Vault writes in plaintext plus the accessor as it is in the log (HMAC'd by default): never a
 * value, never `data`, never a token. Lines written by Vault itself read the same way.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { SecretsError } from "../errors.js";
import { AuditEntrySchema } from "./schema.js";

export interface AccessRecord {
  /** The entry's `time` (RFC 3339 with nanoseconds, as written). */
  time: string;
  requestId: string | undefined;
  /** Who: the token's display name, its accessor as logged (`hmac-sha256:…` unless hmac_accessor was off), its entity. */
  displayName: string | undefined;
  accessor: string | undefined;
  entityId: string | undefined;
  policies: string[];
  /** What. */
  path: string;
  operation: string | undefined;
  mountType: string | undefined;
  /** From where. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  /** Set when the request was refused before it was handled (`permission denied`…). */
  error: string | undefined;
}

export interface AccessFilter {
  /**
   * A request path (no leading slash). Matches that path exactly (a trailing slash ignored), or,
   * ending with `*`, every path starting with what comes before it (Vault's policy glob).
   */
  path?: string;
  /** Only requests at or after this instant. */
  since?: Date;
  /** Called for each line that is not an audit entry (1-based number, and why: `json` or `schema`); the line itself is never passed on. */
  onSkippedLine?: (lineNumber: number, reason: "json" | "schema") => void;
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+/, "").replace(/\/+$/, "");
}

/** Whether `path` is selected by the filter's path (see AccessFilter.path). */
export function pathMatches(filter: string, path: string): boolean {
  if (filter.endsWith("*")) return trimSlashes(path).startsWith(filter.slice(0, -1).replace(/^\/+/, ""));
  return trimSlashes(filter) === trimSlashes(path);
}

/** The access records of `lines` (the log's lines, in order) that pass `filter`. */
export async function* readAccessRecords(lines: AsyncIterable<string> | Iterable<string>, filter: AccessFilter = {}): AsyncGenerator<AccessRecord> {
  const since = filter.since?.getTime();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (line === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      filter.onSkippedLine?.(n, "json");
      continue;
    }
    const parsed = AuditEntrySchema.safeParse(json);
    if (!parsed.success) {
      filter.onSkippedLine?.(n, "schema");
      continue;
    }
    const e = parsed.data;
    if (e.type !== "request" || e.time === undefined) continue;
    const path = e.request?.path ?? "";
    if (filter.path !== undefined && !pathMatches(filter.path, path)) continue;
    if (since !== undefined && !(Date.parse(e.time) >= since)) continue;
    yield {
      time: e.time,
      requestId: e.request?.id,
      displayName: e.auth?.display_name,
      accessor: e.auth?.accessor,
      entityId: e.auth?.entity_id,
      policies: e.auth?.policies ?? [],
      path,
      operation: e.request?.operation,
      mountType: e.request?.mount_type,
      remoteAddress: e.request?.remote_address,
      remotePort: e.request?.remote_port,
      error: e.error,
    };
  }
}

/** readAccessRecords over a log file, read line by line (a rotated-away file is just another file). */
export async function* readAccessLog(file: string, filter: AccessFilter = {}): AsyncGenerator<AccessRecord> {
  const stream = createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  try {
    await opened;
  } catch (e) {
    stream.destroy();
    throw new SecretsError("read-input", `could not read the audit log ${file}`, { file, cause: e });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    yield* readAccessRecords(lines, filter);
  } finally {
    lines.close();
    stream.destroy();
  }
}
