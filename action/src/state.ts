import * as core from "@actions/core";
import { z } from "zod";

/**
 * State handed from the main step to the post step: the paths of files main wrote, as a JSON list
 * under `files`. Paths only, never a value (debug logging prints state records).
 */
const STATE_FILES = "files";
const written: string[] = [];

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
