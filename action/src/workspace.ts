import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ActionFailure } from "./failure.js";
import type { Inputs } from "./inputs.js";
import { safe } from "./safe-text.js";

/** The workspace (GITHUB_WORKSPACE, else the current directory) and the working directory inside it. */
export function workingRoot(inputs: Inputs): { workspace: string; root: string } {
  const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());
  const root = resolve(workspace, inputs["working-directory"]);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new ActionFailure(safe`working-directory is not a directory`);
  return { workspace, root };
}
