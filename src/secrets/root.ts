import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { displayPath } from "./resolve.js";
import { lookupConfig } from "../policy/discover.js";

/**
 * Where the secrets root (the folder secret paths are relative to) is:
 * 1. the explicit `root` (SDK option, `--root`), relative to `cwd`;
 * 2. else `$SECRETS_ROOT`, relative to `cwd`;
 * 3. else `secrets/` next to the `.sops.yaml` that governs `cwd` (found like sops finds it), so that
 *    commands work from any subfolder of the repository;
 * 4. else `secrets/` in `cwd`.
 */
export const DEFAULT_ROOT_NAME = "secrets";

export function resolveRoot(opts: { root?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const explicit = opts.root ?? env.SECRETS_ROOT;
  if (explicit !== undefined && explicit !== "") return path.resolve(cwd, explicit);
  const config = lookupConfig(cwd, env).path;
  return path.join(config ? path.dirname(config) : path.resolve(cwd), DEFAULT_ROOT_NAME);
}

/**
 * The root of one environment's secrets (`secrets run --env production`): the folder of that name
 * under the secrets root, `secrets/production/`, whose secret paths are then relative to it (so
 * `production/app.yaml`'s DATABASE_URL is DATABASE_URL, as `app.yaml`'s is without `--env`). `name`
 * is validated by the caller (one folder name). A missing folder is an error: an environment that was
 * asked for and has no secrets is a typo or a checkout without them, not an empty environment.
 */
export function environmentRoot(root: string, name: string): string {
  const dir = path.join(root, name);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new SecretsError("no-file", `no environment ${name}: ${displayPath(dir)}/ is not a folder of the secrets root`);
  return dir;
}
