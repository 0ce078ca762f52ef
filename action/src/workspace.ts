import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Workspace } from "../../src/workspace/workspace.js";
import { ActionFailure } from "./failure.js";
import type { Inputs } from "./inputs.js";
import { safe } from "./safe-text.js";

/**
 * The workspace (GITHUB_WORKSPACE, else the current directory), the working directory inside it,
 * and the step's library Workspace (`secrets`): its `.sops.yaml` is found from the working directory
 * as sops finds it, and loaded at most once.
 */
export function workingRoot(inputs: Inputs): { workspace: string; root: string; secrets: Workspace } {
  const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());
  const root = resolve(workspace, inputs["working-directory"]);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new ActionFailure(safe`working-directory is not a directory`);
  return { workspace, root, secrets: new Workspace({ startDir: root, env: process.env }) };
}
