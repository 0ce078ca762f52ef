import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { Branch } from "../../src/sops/tree.js";
import { ActionFailure } from "./failure.js";
import { appendRecords, type NamedValue } from "./file-commands.js";
import { safe } from "./safe-text.js";

/**
 * Handing values on to later steps: step outputs and environment variables as the toolkit's
 * delimited records (file-commands.ts), and the dotenv file.
 */

/** Fails unless the runner gave the file-command files. Without them the toolkit would print values as commands. */
export function requireFileCommand(variable: "GITHUB_OUTPUT" | "GITHUB_ENV"): void {
  if (!process.env[variable]) {
    throw new ActionFailure(
      variable === "GITHUB_OUTPUT"
        ? safe`GITHUB_OUTPUT is not set: run this action on a GitHub Actions runner (2.297 or later)`
        : safe`GITHUB_ENV is not set: export-env needs a GitHub Actions runner (2.297 or later)`,
    );
  }
}

export function setOutputs(values: readonly NamedValue[]): void {
  appendRecords("GITHUB_OUTPUT", values);
}

export function exportEnv(values: readonly NamedValue[]): void {
  appendRecords("GITHUB_ENV", values);
}

/**
 * Writes a .env file in the format sops and `secrets decrypt` write for dotenv (`NAME=value`, newlines
 * in values as `\n`), mode 0600. Missing parent directories are created (mode 0700).
 *
 * The file is created new (O_CREAT|O_EXCL|O_NOFOLLOW): an existing path is refused, never written
 * through. A committed symbolic link named as dotenv-file would otherwise put the plaintext at the
 * link's target, which the post step (removing the path it was given) never removes; an existing
 * file may be a hard link to anything. `created` is called once the file exists and before any
 * value is in it, so the post step removes it even if this step dies while writing.
 */
// @types/node declares O_NOFOLLOW as always present, but Windows has none.
const noFollow = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW;

export function writeDotenv(path: string, values: readonly NamedValue[], created: (path: string) => void): void {
  const bytes = dotenvStore.emitPlain([new Branch(values.map(({ name, value }) => ({ key: name, value })))]);
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (noFollow ?? 0), 0o600);
  } catch {
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (existing?.isSymbolicLink()) throw new ActionFailure(safe`dotenv-file is a symbolic link; refusing to write secrets through it (name a path that does not exist)`);
    if (existing) throw new ActionFailure(safe`dotenv-file already exists; refusing to overwrite it (name a path that does not exist)`);
    throw new ActionFailure(safe`cannot write dotenv-file (check that its directory is writable)`);
  }
  created(path);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } catch {
    closeSync(fd);
    rmSync(path, { force: true });
    throw new ActionFailure(safe`cannot write dotenv-file (check that its disk is not full)`);
  }
  closeSync(fd);
}
