import os from "node:os";
import { ExitCode, SecretsError, signalExitCode } from "../errors.js";
import { safeText } from "../util/safe-text.js";

/**
 * The one place the CLI prints a failure. A SecretsError's message is value-free by construction,
 * and the line is passed through safeText once more (no key material, no control characters);
 * for anything else only the error's class is printed (a library's message may quote input, e.g.
 * JSON.parse), with the stack behind SECRETS_DEBUG=1.
 */
export function reportError(e: unknown): number {
  if (e instanceof SecretsError) {
    process.stderr.write(`secrets: ${safeText(e.toLine())}\n`);
    return e.exitCode;
  }
  const name = e instanceof Error ? e.name : typeof e;
  process.stderr.write(`secrets: internal error (${name}); run with SECRETS_DEBUG=1 for details\n`);
  if (process.env.SECRETS_DEBUG === "1" && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return ExitCode.Generic;
}

/**
 * Runs one command action the way every entry point must: any failure, including an uncaught
 * exception or rejection from a stray callback, is printed once by reportError and sets the exit code.
 */
export async function runAction(action: () => Promise<void>): Promise<void> {
  const onFatal = (e: unknown) => {
    process.exitCode = reportError(e);
  };
  process.on("uncaughtException", onFatal);
  process.on("unhandledRejection", onFatal);
  try {
    await action();
  } catch (e) {
    onFatal(e);
  }
}

/**
 * Ends the process at once for a signal a command caught only to clean up first (`edit` removing its
 * plaintext): with the status a shell reports for it (128 + n) and nothing printed, as if it had not
 * been caught. At once, not by unwinding: the signal may come while the editor (which may ignore it)
 * is open or while the file is being saved, and either way nothing more may happen.
 */
export function exitForSignal(signal: NodeJS.Signals): never {
  process.exit(signalExitCode(os.constants.signals[signal]));
}
