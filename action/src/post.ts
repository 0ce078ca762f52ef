import * as core from "@actions/core";
import { rmSync } from "node:fs";
import { say } from "./log.js";
import { safe } from "./safe-text.js";
import { writtenFiles } from "./state.js";

/**
 * The post step (runs after the job's last step, also when the job failed): removes every file the
 * main step wrote, `dotenv-file` included. Exported as `run()` for `@github/local-action`.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async like main.ts's run(): callers await it, and any throw stays a rejection.
export async function run(): Promise<void> {
  const files = writtenFiles();
  let failed = 0;
  for (const f of files) {
    try {
      rmSync(f, { force: true });
    } catch {
      failed++;
    }
  }
  if (failed) core.setFailed(safe`gitops-secrets post step: could not remove ${failed} of the ${files.length} files the main step wrote`);
  else if (files.length === 1) say(safe`Removed the file the main step wrote.`);
  else if (files.length) say(safe`Removed the ${files.length} files the main step wrote.`);
}
