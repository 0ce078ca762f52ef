/**
 * The access audit log (issue #14 §6): Vault-format request/response lines, HMAC'd with a
 * per-device salt, written to a file or a stream, and read back for `secrets audit --access`.
 * Kept apart from src/git/audit.ts, the change audit from history.
 */
export { HMAC_TYPE, auditHash, identifiedHmac, type AuditHashResponse } from "./hmac.js";
export { SALT_BYTES, DirectorySaltStore, MemorySaltStore, type SaltStore } from "./salt-store.js";
export { hashValue, hashMap, rfc3339Nano, rfc3339, type AuditDataValue } from "./hash.js";
export {
  AuditFormatter,
  DEFAULT_AUDITED_HEADERS,
  type AuditAuthInput,
  type AuditRequestInput,
  type AuditResponseInput,
  type AuditEvent,
  type AuditFormatOptions,
  type AuditedHeader,
  type VaultOperation,
} from "./format.js";
export type { AuditSink } from "./sink.js";
export { FileSink, type FileSinkOptions } from "./file-sink.js";
export { StreamSink } from "./stream-sink.js";
export { openAuditDevice, type AuditDevice, type AuditDeviceConfig } from "./device.js";
export * from "./schema.js";
export { readAccessRecords, readAccessLog, MAX_PENDING, type AccessRecord, type AccessFilter, type SkippedLineReason } from "./access-reader.js";
export { accessPathFilter } from "./path-filter.js";
export { secretPathOf, type RequestLocation } from "./secret-path.js";
export { parseSince } from "./since.js";
