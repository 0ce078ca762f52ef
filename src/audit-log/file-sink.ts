/**
 * The file sink: Vault's file audit device (`builtin/audit/file/backend.go`): append, one JSON
 * object per line, mode 0600 (chmod'ed when the file already existed), SIGHUP reopens.
 *
 * fsync policy: by default a line is written with write(2) and not fsynced, as Vault does: once
 * `write` resolves, the line survives the server being killed, but not a power cut. With
 * `fsync: true` every line is fsynced before `write` resolves (each request then costs a disk
 * flush or two). `reopen()` and `close()` always fsync the file they let go of.
 *
 * On a failed write the file is closed and reopened and the line written again once, as Vault
 * does (a file removed or a descriptor gone bad mends itself). A failure can leave part of a line
 * in the file; the next line then starts with a newline, so that the damage stays on one line that
 * readers skip.
 */
import { constants, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { SecretsError } from "../errors.js";
import { SerialQueue, type AuditSink } from "./sink.js";

export interface FileSinkOptions {
  /** Permission bits of the log file (Vault's `mode`, default 0600). */
  mode?: number;
  /** fsync each line before `write` resolves (default false; see the module comment). */
  fsync?: boolean;
}

function failure(path: string, what: string, e: unknown): SecretsError {
  if (e instanceof SecretsError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return new SecretsError("write-output", `could not ${what} the audit log ${path}${typeof code === "string" ? `: ${code}` : ""}`, { cause: e });
}

export class FileSink implements AuditSink {
  readonly description: string;
  private readonly queue = new SerialQueue();
  private readonly mode: number;
  private readonly fsync: boolean;
  private fh: FileHandle | undefined;
  /** A write failed part-way: the next line starts with a newline. */
  private damaged = false;
  private closed = false;

  constructor(
    private readonly path: string,
    options: FileSinkOptions = {},
  ) {
    this.description = path;
    this.mode = options.mode ?? 0o600;
    this.fsync = options.fsync ?? false;
  }

  /** Opens (creating) the file now, so that a path that cannot be written is found at start-up. */
  open(): Promise<void> {
    return this.queue.run(async () => {
      await this.handle();
    });
  }

  write(line: string): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) throw new SecretsError("write-output", `the audit log ${this.path} is closed`);
      try {
        await this.writeOnce(line);
      } catch {
        // Vault's backend.go log(): close, reopen, try once more.
        await this.release(false);
        try {
          await this.writeOnce(line);
        } catch (e) {
          await this.release(false);
          throw failure(this.path, "write", e);
        }
      }
    });
  }

  reopen(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      await this.release(true);
      await this.handle();
    });
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      this.closed = true;
      await this.release(true);
    });
  }

  private async writeOnce(line: string): Promise<void> {
    const fh = await this.handle();
    const bytes = Buffer.from(this.damaged ? `\n${line}` : line, "utf8");
    let off = 0;
    try {
      // A write to a regular file may be short (a full disk); go on from where it stopped.
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      if (this.fsync) await fh.sync();
    } catch (e) {
      if (off > 0) this.damaged = true;
      throw e;
    }
    this.damaged = false;
  }

  private async handle(): Promise<FileHandle> {
    if (this.fh) return this.fh;
    try {
      await fsp.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const fh = await fsp.open(this.path, constants.O_APPEND | constants.O_WRONLY | constants.O_CREAT, this.mode);
      try {
        // The open() mode only applies to a new file, and through the umask: set it, as Vault does.
        await fh.chmod(this.mode);
      } catch (e) {
        await fh.close().catch(() => undefined);
        throw e;
      }
      this.fh = fh;
      return fh;
    } catch (e) {
      throw failure(this.path, "open", e);
    }
  }

  /** Closes the file (fsynced first when asked); errors are not the caller's concern here. */
  private async release(sync: boolean): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (!fh) return;
    if (sync) await fh.sync().catch(() => undefined);
    await fh.close().catch(() => undefined);
  }
}
