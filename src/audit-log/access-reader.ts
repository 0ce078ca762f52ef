/**
 * "Who accessed which secret path, when, from where", read back from an audit log: the library
 * side of `secrets audit --access LOG [--path P] [--since D]`.
 *
 * One record per request. Vault (and this server) writes a `request` line when a request arrives
 * and a `response` line, with the same `request.id`, when it is answered; the record is the
 * request line's who, what, when and from where, with the outcome from its response line. A record
 * holds only what the log holds in plaintext — time, display name, policies, entity, path,
 * operation, mount, remote address and port, error — plus the accessor as logged (HMAC'd unless the
 * device has `hmac_accessor` off) and whether the response carried data: never `data` itself,
 * never a token (both are read past, not kept). Lines written by Vault itself read the same way.
 *
 * Bounded memory, whatever the log's size: lines are streamed (src/io/lines.ts) and only the
 * requests still waiting for their response line are held, at most MAX_PENDING of them. Records
 * come out in the order of their request lines. A request whose response line never comes (the
 * server stopped first, the log was cut between the two lines, or more than MAX_PENDING requests
 * came after it first) is given as `no-response`; a response line whose request line is not in the
 * log (it is in the file rotated away before) is a record of its own, timed by the response line.
 * The filter is applied to request lines: a request it leaves out leaves out its response too.
 */
import { SecretsError } from "../errors.js";
import { fileLines, type FileLine } from "../io/lines.js";
import { accessPathFilter } from "./path-filter.js";
import { AuditEntrySchema, type AuditEntry } from "./schema.js";
import { secretPathOf } from "./secret-path.js";

/** How many requests may wait for their response line before the oldest is given as `no-response`. */
export const MAX_PENDING = 10_000;

export interface AccessRecord {
  /** The request line's `time` (RFC 3339 with nanoseconds, as written); the response line's when the request line is not in the log. */
  time: string;
  requestId: string | undefined;
  /** Who: the token's display name, its accessor as logged (`hmac-sha256:…` unless hmac_accessor was off), its entity and policies. No token: all empty. */
  displayName: string | undefined;
  accessor: string | undefined;
  entityId: string | undefined;
  policies: string[];
  /** What: the request path (`secret/data/app`), Vault's operation, the mount. */
  path: string;
  operation: string | undefined;
  mountPoint: string | undefined;
  mountType: string | undefined;
  /** The secret the request is about (`secret/app`; secret-path.ts), or undefined for a request to no secret. */
  secret: string | undefined;
  /** From where. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  /** `error`: the log gives an error (a refusal like `permission denied`, or the handler's); `no-response`: no response line was found and the request line has no error. */
  result: "ok" | "error" | "no-response";
  /** The error as logged (from the response line, else the request line). */
  error: string | undefined;
  /** Whether the response carried data (values are never read); undefined without a response line. */
  responseData: boolean | undefined;
}

/** Why a line was skipped: not JSON, not an audit entry, longer than the cap, or an unterminated (cut) last line. */
export type SkippedLineReason = "json" | "schema" | "too-long" | "partial";

export interface AccessFilter {
  /**
   * A Vault policy path (path-filter.ts): only requests whose path it covers, of any mount. Without
   * it, only requests about a secret (`secret` set: requests to KV mounts).
   */
  path?: string;
  /** Only requests at or after this instant. */
  since?: Date;
  /**
   * Called for each line skipped after the first entry (1-based number, and why); the line itself
   * is never passed on. A first non-blank line that is no audit entry is not skipped: the input is
   * then not an audit log (a SecretsError `not-audit-log`).
   */
  onSkippedLine?: (lineNumber: number, reason: SkippedLineReason) => void;
}

interface Pending {
  record: AccessRecord;
  answered: boolean;
}

type Parsed = { entry: AuditEntry } | { skipped: SkippedLineReason } | "blank";

function parseLine(line: FileLine): Parsed {
  if (line.text === null) return { skipped: "too-long" };
  const text = line.text.trim();
  if (text === "") return "blank";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { skipped: line.terminated ? "json" : "partial" };
  }
  const parsed = AuditEntrySchema.safeParse(json);
  if (!parsed.success) return { skipped: line.terminated ? "schema" : "partial" };
  return { entry: parsed.data };
}

/** The record of an entry's who, what, when and from where; no outcome yet. */
function recordOf(e: AuditEntry, time: string): AccessRecord {
  const path = e.request?.path ?? "";
  const mountPoint = e.request?.mount_point;
  const mountType = e.request?.mount_type;
  return {
    time,
    requestId: e.request?.id,
    displayName: e.auth?.display_name,
    accessor: e.auth?.accessor,
    entityId: e.auth?.entity_id,
    policies: e.auth?.policies ?? [],
    path,
    operation: e.request?.operation,
    mountPoint,
    mountType,
    secret: secretPathOf({ path, mountPoint, mountType }),
    remoteAddress: e.request?.remote_address,
    remotePort: e.request?.remote_port,
    result: e.error ? "error" : "no-response",
    error: e.error || undefined,
    responseData: undefined,
  };
}

/** A response line's outcome, onto the record of its request. */
function answer(record: AccessRecord, e: AuditEntry & { type: "response" }): void {
  const error = e.error || record.error;
  record.result = error ? "error" : "ok";
  record.error = error || undefined;
  record.responseData = e.response?.data !== undefined && e.response.data !== null;
}

function toLine(line: string | FileLine, index: number): FileLine {
  return typeof line === "string" ? { number: index + 1, text: line, terminated: true } : line;
}

/**
 * The access records of `lines` (the log's lines, in order: strings, or FileLines that know whether
 * the last one was cut) that pass `filter`. Rejects with a SecretsError `not-audit-log` when the
 * first non-blank line is no audit entry, and `usage` for a bad `filter.path`.
 */
export async function* readAccessRecords(
  lines: AsyncIterable<string | FileLine> | Iterable<string | FileLine>,
  filter: AccessFilter = {},
): AsyncGenerator<AccessRecord> {
  const selects = filter.path === undefined ? (r: AccessRecord) => r.secret !== undefined : ((test) => (r: AccessRecord) => test(r.path))(accessPathFilter(filter.path));
  const since = filter.since?.getTime();
  const inTime = (time: string) => since === undefined || Date.parse(time) >= since;
  // Waiting records in request-line order, and the unanswered ones by request id.
  const queue: Pending[] = [];
  let head = 0;
  const waiting = new Map<string, Pending>();
  // Requests left out by the filter whose response line is still to come (that line is left out too), oldest first.
  const leftOut = new Set<string>();
  let seenEntry = false;
  let index = 0;

  for await (const raw of lines) {
    const line = toLine(raw, index++);
    const parsed = parseLine(line);
    if (parsed === "blank") continue;
    if ("skipped" in parsed) {
      if (!seenEntry) throw new SecretsError("not-audit-log", `not a Vault-format audit log: line ${line.number} is not an audit entry`);
      filter.onSkippedLine?.(line.number, parsed.skipped);
      continue;
    }
    seenEntry = true;
    const e = parsed.entry;
    if (e.time === undefined) continue;
    const id = e.request?.id;
    const pending = id === undefined ? undefined : waiting.get(id);
    if (e.type === "response" && pending) {
      answer(pending.record, e);
      pending.answered = true;
      waiting.delete(id!);
    } else if (e.type === "response" && id !== undefined && leftOut.delete(id)) {
      continue;
    } else if (!(e.type === "request" && id !== undefined && waiting.has(id))) {
      const record = recordOf(e, e.time);
      if (!selects(record) || !inTime(e.time)) {
        if (e.type === "request" && id !== undefined) leftOut.add(id);
        if (leftOut.size > MAX_PENDING) leftOut.delete(leftOut.values().next().value!);
        continue;
      }
      if (e.type === "response") {
        answer(record, e);
        queue.push({ record, answered: true });
      } else {
        const p = { record, answered: id === undefined };
        queue.push(p);
        if (id !== undefined) waiting.set(id, p);
      }
    }
    // Out in request-line order; past the cap the oldest goes out unanswered.
    while (head < queue.length && (queue[head]!.answered || queue.length - head > MAX_PENDING)) {
      const out = queue[head++]!;
      if (!out.answered && out.record.requestId !== undefined) waiting.delete(out.record.requestId);
      yield out.record;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }
  for (; head < queue.length; head++) yield queue[head]!.record;
}

/**
 * readAccessRecords over a log file, streamed; a line longer than `maxLineBytes` is skipped
 * (`too-long`). Rejects with a SecretsError naming the file: `read-input` when it cannot be read,
 * `not-audit-log` when it is not an audit log.
 */
export async function* readAccessLog(file: string, filter: AccessFilter = {}, maxLineBytes = 64 * 1024 * 1024): AsyncGenerator<AccessRecord> {
  try {
    yield* readAccessRecords(fileLines(file, maxLineBytes), filter);
  } catch (e) {
    if (e instanceof SecretsError && e.file === undefined) e.file = file;
    throw e;
  }
}
