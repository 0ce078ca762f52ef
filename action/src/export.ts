import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../src/io/atomic.js";
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
 * in values as `\n`), atomically, mode 0600. Missing parent directories are created (mode 0700).
 */
export async function writeDotenv(path: string, values: readonly NamedValue[]): Promise<void> {
  const bytes = dotenvStore.emitPlain([new Branch(values.map(({ name, value }) => ({ key: name, value })))]);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, bytes, { mode: 0o600 });
  } catch {
    throw new ActionFailure(safe`cannot write dotenv-file (check that its directory is writable)`);
  }
}
