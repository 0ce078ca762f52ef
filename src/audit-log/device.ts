/**
 * An audit device: a name (`sys/audit/<path>`), a salt, the format options and a sink. What the
 * server calls on every request and response, and what answers `sys/audit-hash/<path>`.
 * Devices are declared in the server's configuration only (issue #14 §4: OpenBao removed
 * API-created audit devices after CVE-2025-6000).
 */
import { SecretsError } from "../errors.js";
import { auditHash, identifiedHmac, type AuditHashResponse } from "./hmac.js";
import { AuditFormatter, type AuditEvent, type AuditFormatOptions } from "./format.js";
import type { SaltStore } from "./salt-store.js";
import type { AuditSink } from "./sink.js";

/**
 * Contract:
 * - `log(event)` writes the event's line (a request line, or a response line with the same
 *   `request.id`) and resolves once it is written; it rejects with a SecretsError (`write-output`,
 *   HTTP 500) when the line could not be written. The server awaits `log` for the request line
 *   before handling the request, and fails the request with 500 before changing anything when it
 *   rejects; it awaits the response line before answering. Concurrent calls never interleave.
 * - No line holds a plaintext token, accessor (unless `hmacAccessor: false`) or data value.
 * - `auditHash(input)` is `sys/audit-hash/<path>`'s answer.
 * - `reopen()` is for SIGHUP; `close()` for shutdown, after the last response line.
 */
export interface AuditDevice {
  readonly path: string;
  log(event: AuditEvent): Promise<void>;
  auditHash(input: string): AuditHashResponse;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export interface AuditDeviceConfig {
  /** The device's path (`file`, `stdout`…): names its salt too. */
  path: string;
  sink: AuditSink;
  salts: SaltStore;
  options?: AuditFormatOptions;
}

/** Loads (or creates) the device's salt, then returns the device. Rejects if the salt cannot be kept. */
export async function openAuditDevice(config: AuditDeviceConfig): Promise<AuditDevice> {
  const salt = await config.salts.saltFor(config.path);
  const formatter = new AuditFormatter((value) => identifiedHmac(salt, value), config.options);
  const { sink } = config;
  return {
    path: config.path,
    log: async (event) => {
      // Formatting runs before anything is written: an entry that cannot be encoded writes nothing.
      let line: string;
      try {
        line = formatter.line(event);
      } catch (e) {
        throw new SecretsError("generic", "could not format the audit entry", { cause: e });
      }
      await sink.write(line);
    },
    auditHash: (input) => auditHash(salt, input),
    reopen: () => sink.reopen(),
    close: () => sink.close(),
  };
}
