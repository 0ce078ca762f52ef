import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import { SecretsError } from "../errors.js";
import type { PrivateTempDir } from "../io/atomic.js";
import { makePlaintextTempDir } from "../io/edit-temp.js";

/**
 * `exec-file`'s plaintext on disk, as sops puts it there: in a fresh private (0700) directory, as a
 * FIFO (default; the command reads it once, and nothing is ever stored) or, with `--no-fifo`, a 0600
 * file. `{}` in the command is replaced by the path. `dispose()` removes the directory, and with it the
 * plaintext, and releases a writer still waiting for a FIFO reader; the caller calls it on every exit
 * path (the child's exit, a failure, a signal). sops leaves the directory behind when it is killed;
 * here a SIGKILL does too, but the folder is where `edit`'s go (RAM-backed where there is such a
 * place, io/edit-temp.ts) and named by pid, and the next `exec-file` removes it.
 */
export interface PlaintextFile {
  readonly path: string;
  readonly dispose: () => void;
}

/** The name inside the directory: sops' `--filename` must be a plain local name; default `tmp-file`. */
function localName(filename: string | undefined): string {
  const name = filename ?? "tmp-file";
  if (name === "" || isAbsolute(name) || normalize(name).startsWith("..") || name.includes("/") || name.includes("\0")) {
    throw new SecretsError("usage", "--filename must be a plain file name (no directories)");
  }
  return name;
}

export async function createPlaintextFile(data: Uint8Array, opts: { fifo: boolean; filename?: string | undefined; env?: NodeJS.ProcessEnv }): Promise<PlaintextFile> {
  const name = localName(opts.filename);
  const dir: PrivateTempDir = await makePlaintextTempDir("exec", opts.env);
  const path = join(dir.path, name);
  try {
    if (!opts.fifo) {
      await fsp.writeFile(path, data, { mode: 0o600, flag: "wx" });
      return { path, dispose: () => dir.cleanupSync() };
    }
    // Node has no mkfifo(2); mkfifo(1) is POSIX.
    const r = spawnSync("mkfifo", ["-m", "600", path], { stdio: "ignore" });
    if (r.status !== 0) throw new SecretsError("write-output", "cannot create a FIFO (mkfifo failed); use --no-fifo");
  } catch (e) {
    dir.cleanupSync();
    throw e;
  }
  let opened = false;
  // Opening a FIFO for writing waits for a reader: in the thread pool, not on the main thread.
  const writer = (async () => {
    const h = await fsp.open(path, "w");
    opened = true;
    try {
      await h.writeFile(data);
    } finally {
      await h.close();
    }
  })().catch(() => undefined); // EPIPE when the reader left early, or the release below: nothing to report
  return {
    path,
    dispose() {
      if (!opened) {
        // A writer still waiting for a reader is let through (it then fails on EPIPE and gives up).
        try {
          closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
        } catch {
          /* already gone */
        }
      }
      dir.cleanupSync();
      void writer;
    },
  };
}
