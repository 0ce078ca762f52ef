import { decryptCommand } from "./commands/decrypt.js";
import type { FastDecrypt } from "./fast-decrypt.js";
import { runAction } from "./report.js";

/**
 * The commander-free `secrets decrypt FILE` (fast-decrypt.ts), as one module: the CLI build bundles it
 * into a single CommonJS file loaded with its V8 code cache (scripts/build.mjs, code-cache.ts), so the
 * hottest command pays neither the ESM loader nor the compile of what it runs.
 */
export function runFastDecrypt(request: FastDecrypt): Promise<void> {
  return runAction(() => decryptCommand(request.file, request.options));
}
