import path from "node:path";
import type { Workspace } from "../workspace/workspace.js";
import { importSecrets, type ImportResult, type ImportStep } from "./import.js";

/**
 * `secrets import FILE` over a workspace: the secrets root and the default target from it, the keys
 * and the creation policy from it. Paths are used as given (relative ones from the process's working
 * directory, which the workspace's start directory is expected to be) and shown as given.
 */

export interface WorkspaceImportOptions {
  /** The `.env` (or JSON/YAML) file to import. */
  source: string;
  /** The encrypted file to write or merge into (default: `<root>/app.yaml`). */
  to?: string | undefined;
  /** The secrets root (default: the workspace's, see Workspace.secretsRoot). */
  root?: string | undefined;
  all?: boolean | undefined;
  dryRun?: boolean | undefined;
  overwrite?: boolean | undefined;
  history?: boolean | undefined;
  /** Called after each step (see importSecrets): lets a caller observe or stop the import between steps. */
  onStep?: ((step: ImportStep) => Promise<void> | void) | undefined;
}

export async function importIntoWorkspace(ws: Workspace, opts: WorkspaceImportOptions): Promise<ImportResult> {
  const root = ws.secretsRoot(opts.root);
  const target = opts.to ?? path.relative(ws.startDir, path.join(root, "app.yaml"));
  return importSecrets({
    source: opts.source,
    target,
    root,
    all: opts.all,
    dryRun: opts.dryRun,
    overwrite: opts.overwrite,
    history: opts.history,
    keys: await ws.keys(),
    creationFor: (f) => ws.creationFor(f),
    indentFor: (f) => ws.indentFor(f),
    onStep: opts.onStep,
  });
}
