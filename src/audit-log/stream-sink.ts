/**
 * The stream sink: Vault's `file_path=stdout` (the server passes process.stdout; tests a stream
 * of their own). A line is written with one `stream.write`, and `write` resolves when the stream's
 * callback reports it written, rejects when the stream reports an error or has ended. `reopen()`
 * has nothing to reopen; `close()` waits for the lines accepted and leaves the stream open (the
 * server does not own stdout).
 */
import type { Writable } from "node:stream";
import { SecretsError } from "../errors.js";
import { SerialQueue, type AuditSink } from "./sink.js";

export class StreamSink implements AuditSink {
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(
    private readonly stream: Writable,
    readonly description = "stdout",
  ) {}

  write(line: string): Promise<void> {
    return this.queue.run(
      () =>
        new Promise<void>((resolve, reject) => {
          const fail = (e?: unknown): void => {
            const code = (e as NodeJS.ErrnoException | null | undefined)?.code;
            reject(new SecretsError("write-output", `could not write the audit log to ${this.description}${typeof code === "string" ? `: ${code}` : ""}`, { cause: e }));
          };
          if (this.closed || this.stream.destroyed || this.stream.writableEnded) {
            fail();
            return;
          }
          this.stream.write(line, "utf8", (err) => {
            if (err) fail(err);
            else resolve();
          });
        }),
    );
  }

  reopen(): Promise<void> {
    return this.queue.run(() => Promise.resolve());
  }

  close(): Promise<void> {
    return this.queue.run(() => {
      this.closed = true;
      return Promise.resolve();
    });
  }
}
