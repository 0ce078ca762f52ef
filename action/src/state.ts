import * as core from "@actions/core";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ActionFailure } from "./failure.js";
import { safe } from "./safe-text.js";

/**
 * State handed from the main step to the post step: the paths of files main wrote, as a JSON list
 * under `files`, and under `leases-file` the path of a 0600 file in RUNNER_TEMP listing the lease
 * ids of the dynamic credentials main minted. Paths only, never a value (debug logging prints
 * state records): a lease id holds the credential's user name, so it stays out of the state.
 */
const STATE_FILES = "files";
const STATE_LEASES_FILE = "leases-file";
const written: string[] = [];

/** Where main keeps its lease ids: one file per main process, in the runner's temp folder. */
function leasesFile(): string {
  const temp = process.env.RUNNER_TEMP;
  if (!temp) throw new ActionFailure(safe`RUNNER_TEMP is not set: the dynamic input needs a GitHub Actions runner`);
  return join(temp, `gitops-secrets-leases-${process.pid}.json`);
}

/** Fails now, before anything is minted, when the lease ids could not be kept for the post step. */
export function requireLeasesFile(): void {
  leasesFile();
}

/** Saves the lease ids minted so far (the whole list, replaced atomically), and where they are. */
export function saveLeases(ids: readonly string[]): void {
  const file = leasesFile();
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(ids), { mode: 0o600 });
  renameSync(tmp, file);
  core.saveState(STATE_LEASES_FILE, file);
}

/** The lease ids main saved, and a function removing their file; none when there are none or the file is unreadable. */
export function savedLeases(): { ids: string[]; done: () => void } {
  // `as string | undefined`: @github/local-action's stub answers undefined for a state never saved.
  const file = core.getState(STATE_LEASES_FILE) as string | undefined;
  if (!file) return { ids: [], done: () => undefined };
  let ids: string[] = [];
  try {
    const parsed = FilesState.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) ids = parsed.data;
  } catch {
    ids = [];
  }
  return {
    ids,
    done: () => {
      try {
        rmSync(file, { force: true });
      } catch {
        // RUNNER_TEMP is emptied after the job anyway.
      }
    },
  };
}

export function saveWrittenFiles(paths: readonly string[]): void {
  for (const p of paths) if (!written.includes(p)) written.push(p);
  core.saveState(STATE_FILES, JSON.stringify(written));
}

const FilesState = z.array(z.string().min(1));

/** The paths main saved; an empty list when there are none or the state is unreadable. */
export function writtenFiles(): string[] {
  const raw = core.getState(STATE_FILES);
  if (raw === "") return [];
  try {
    const parsed = FilesState.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
