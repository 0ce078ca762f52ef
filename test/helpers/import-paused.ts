import { importIntoWorkspace } from "../../src/dotenv-import/workspace-import.js";
import type { ImportStep } from "../../src/dotenv-import/import.js";
import { Workspace } from "../../src/workspace/workspace.js";

/**
 * For the interrupted-import tests (test/env/interrupt.test.ts), bundled and run by them: imports
 * SOURCE as `secrets import SOURCE` would, from the working directory, and at STEP says
 * `paused at STEP` on stderr and waits there until killed.
 *
 *   node import-paused.mjs SOURCE STEP
 */
const [source, pauseAt] = process.argv.slice(2) as [string, ImportStep];
const ws = new Workspace({ startDir: process.cwd(), env: process.env });
try {
  await importIntoWorkspace(ws, {
    source,
    onStep: async (step) => {
      if (step !== pauseAt) return;
      process.stderr.write(`paused at ${step}\n`);
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    },
  });
  process.stderr.write(`never paused (no step ${pauseAt})\n`);
  process.exitCode = 2;
} catch (e) {
  process.stderr.write(`import failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
