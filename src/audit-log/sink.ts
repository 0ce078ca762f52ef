/**
 * Where audit lines go. Vault's file device (`builtin/audit/file/backend.go`) writes each line with
 * one write under a lock, to a file opened `O_APPEND|O_WRONLY|O_CREATE` with mode 0600, or to
 * stdout (`file_path=stdout`); SIGHUP closes and reopens the file (logrotate).
 */

/**
 * One audit output.
 *
 * Contract:
 * - `write(line)` resolves once the whole line (one JSON object and its newline) has been handed to
 *   the operating system (see each sink for fsync), and rejects with a SecretsError (kind
 *   `write-output`, HTTP 500) if it could not be. The server logs the request line before it
 *   handles a request and fails the request with 500, changing nothing, when that rejects (Vault:
 *   "if no audit device can log the request, the request fails"); the response line is written
 *   before the response is sent, and a failure there turns the response into a 500.
 * - Lines never interleave: concurrent writes are written one after the other, whole, in call order.
 * - `reopen()` (SIGHUP) closes and reopens the output after the lines already accepted; lines
 *   written after it go to the file now at the path.
 * - `close()` writes what was accepted, then releases the output; later writes reject.
 */
export interface AuditSink {
  /** What the sink writes to, for messages (`stdout`, or the file's path). */
  readonly description: string;
  write(line: string): Promise<void>;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs tasks one at a time in call order: a sink's writes, reopens and close share one queue, so a
 * reopen never cuts a line and two lines never mix. A failed task does not stop the ones after it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
