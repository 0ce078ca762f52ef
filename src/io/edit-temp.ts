/**
 * Where `secrets edit` puts the plaintext it hands to the editor (and `exec-file` the file or FIFO
 * it hands to a command), and the clean-up of what a killed process left there.
 *
 * A SIGKILL (or a power cut) gives the CLI no chance to remove its private folder, so each folder is
 * named `secrets-<use>-<pid>-<random>` (`edit`, `exec`) and every later run of that command removes
 * the folders whose pid is gone.
 * Folders are made in RAM-backed storage where there is one, so that such leftovers at least do not
 * outlive a reboot: `$XDG_RUNTIME_DIR` (per-user tmpfs), then `/dev/shm`, then the usual temp folder.
 * A kept folder (`secrets-edit-kept-…`, the text of a failed save) is the user's to remove.
 */
import { accessSync, constants, promises as fsp, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { makePrivateTempDir, processGone, type PrivateTempDir } from "./atomic.js";

/** What a plaintext folder is for: its name says so, and only that command's runs sweep it. */
export type PlaintextDirUse = "edit" | "exec";

const dirPattern = (use: PlaintextDirUse): RegExp => new RegExp(`^secrets-${use}-(\\d+)-[A-Za-z0-9]{6}$`);

/**
 * The folders an edit folder may be made in, best first. `$XDG_RUNTIME_DIR` only if it is an
 * absolute path to a folder of ours with mode 0700 (as the XDG spec requires); `/dev/shm` only if
 * it is a sticky folder we can write to (so others cannot remove or rename our entries).
 */
export function editTempParents(env: NodeJS.ProcessEnv = process.env): string[] {
  const uid = process.getuid?.();
  const parents: string[] = [];
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && isAbsolute(xdg)) {
    try {
      const st = statSync(xdg);
      if (st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o777) === 0o700) parents.push(xdg);
    } catch {
      // Not there: skip it.
    }
  }
  if (process.platform !== "win32") {
    try {
      const st = statSync("/dev/shm");
      accessSync("/dev/shm", constants.W_OK | constants.X_OK);
      if (st.isDirectory() && (st.mode & 0o1000) !== 0) parents.push("/dev/shm");
    } catch {
      // Not there or not writable: skip it.
    }
  }
  parents.push(tmpdir());
  return [...new Set(parents)];
}

/** Makes a private (0700) edit folder in the first of editTempParents() that takes it. */
export function makeEditTempDir(env: NodeJS.ProcessEnv = process.env): Promise<PrivateTempDir> {
  return makePlaintextTempDir("edit", env);
}

/** A private (0700) folder for `use`, in the first of editTempParents() that takes it. */
export async function makePlaintextTempDir(use: PlaintextDirUse, env: NodeJS.ProcessEnv = process.env): Promise<PrivateTempDir> {
  const parents = editTempParents(env);
  for (let i = 0; ; i++) {
    try {
      return await makePrivateTempDir(`secrets-${use}-${process.pid}-`, parents[i]);
    } catch (e) {
      if (i === parents.length - 1) throw e;
    }
  }
}

/** removeStalePlaintextDirs for `edit`. */
export function removeStaleEditDirs(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return removeStalePlaintextDirs("edit", env);
}

/**
 * Removes the `use` folders of killed runs (their pid is gone) that belong to the current user, in
 * every place such a folder may be; returns the paths removed (the CLI says so). A folder that is
 * not ours, or not a real folder (a symlink), is left alone.
 */
export async function removeStalePlaintextDirs(use: PlaintextDirUse, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const pattern = dirPattern(use);
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const parent of editTempParents(env)) {
    let names: string[];
    try {
      names = await fsp.readdir(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = pattern.exec(name);
      if (!m || !processGone(Number(m[1]))) continue;
      const path = join(parent, name);
      try {
        const st = await fsp.lstat(path);
        if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
        await fsp.rm(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Gone meanwhile, or not removable: nothing to report.
      }
    }
  }
  return removed;
}
