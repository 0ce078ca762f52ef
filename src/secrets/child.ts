import { spawn } from "node:child_process";
import os from "node:os";
import { SecretsError, signalExitCode } from "../errors.js";

/**
 * Runs a command with extra environment variables, as `secrets run` does: no shell, the terminal
 * (stdin/stdout/stderr) shared, the usual termination signals passed on to the child, and the
 * child's exit status returned (128 + the signal number when a signal ended it, as shells report).
 * The status is the child's result, not an error: the CLI exits with it. Failing to start the
 * command is an error (`command-not-found` 127, `command-not-executable` 126, as shells).
 */

const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2"];

export function runWithEnvironment(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // The handlers go in before the spawn: the command runs as soon as it is forked, and a signal
    // sent once it has spoken (before spawn() returns here) must still be passed on, not kill us.
    let child: ReturnType<typeof spawn> | undefined;
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      const h = () => {
        // The child may already be gone; then there is nobody to tell.
        try {
          child?.kill(sig);
        } catch {
          /* ignore */
        }
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    try {
      child = spawn(command, args, { env, stdio: "inherit", shell: false, windowsHide: false });
    } catch (e) {
      cleanup();
      throw e;
    }
    child.on("error", (e: NodeJS.ErrnoException) => {
      cleanup();
      if (e.code === "ENOENT") reject(new SecretsError("command-not-found", `command not found: ${command}`));
      else if (e.code === "EACCES") reject(new SecretsError("command-not-executable", `cannot run ${command}: permission denied`));
      else reject(new SecretsError("generic", `cannot run ${command} (${e.code ?? "error"})`));
    });
    child.on("exit", (code, signal) => {
      cleanup();
      if (code !== null) resolve(code);
      // Typed as complete, but a platform's table need not hold every signal name.
      else resolve(signalExitCode(signal ? ((os.constants.signals as Partial<Record<NodeJS.Signals, number>>)[signal] ?? 0) : 0));
    });
  });
}
