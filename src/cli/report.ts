import { SecretsError } from "../errors.js";
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
  return 1;
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
