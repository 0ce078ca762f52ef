import * as core from "@actions/core";
import { safe } from "./safe-text.js";

/**
 * Process-level guards for the bundled entry points (not for `@github/local-action`, which has its
 * own process). The runner shows stderr lines as they come, possibly before the masks printed on
 * stdout take effect, and Node prints uncaught errors with their stack (which may hold data) and
 * warnings there. So: nothing reaches stderr, and an escaped error becomes one fixed line.
 */
export function installGuards(): void {
  // Node's default warning printer is a 'warning' listener; without it warnings go nowhere.
  process.removeAllListeners("warning");
  process.stderr.write = () => true;
  const die = () => {
    core.setFailed(safe`gitops-secrets: unexpected internal error (no details are printed, so that no value can leak)`);
    process.exit(1);
  };
  process.on("uncaughtException", die);
  process.on("unhandledRejection", die);
}
