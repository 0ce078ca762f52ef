import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Finding `.sops.yaml`. Kept apart from loading (zod, yaml) so that commands that only need to know
 * whether and where a config exists, like `decrypt`, stay fast.
 */

export const CONFIG_FILE_NAME = ".sops.yaml";
const ALTERNATE_CONFIG_NAME = ".sops.yml";
const MAX_DEPTH = 100;

/**
 * Where the config is: `override` (the `--config` flag), else `SOPS_CONFIG`, else the first
 * `.sops.yaml` found walking up from `startDir` (normally the current working directory, not the
 * file's directory, as in sops) through at most 100 directories. `.sops.yml` never counts; the warning
 * sops prints about it is returned.
 */
export function lookupConfig(
  startDir: string,
  env: Record<string, string | undefined> = process.env,
  override?: string,
): { path: string | null; warning?: string } {
  const explicit = override || env.SOPS_CONFIG;
  if (explicit) return { path: resolve(startDir, explicit) };
  let dir = resolve(startDir);
  let alternate: string | undefined;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (isFile(candidate)) {
      const warning = alternate
        ? `ignoring ${alternate}: the config file must be called ${CONFIG_FILE_NAME}; using ${candidate}`
        : undefined;
      return warning ? { path: candidate, warning } : { path: candidate };
    }
    if (!alternate && isFile(join(dir, ALTERNATE_CONFIG_NAME))) alternate = join(dir, ALTERNATE_CONFIG_NAME);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return alternate
    ? { path: null, warning: `ignoring ${alternate}: the config file must be called ${CONFIG_FILE_NAME}` }
    : { path: null };
}

/** `lookupConfig` without the warning: the config path, or null when there is none. */
export function findConfig(
  startDir: string = process.cwd(),
  env: Record<string, string | undefined> = process.env,
  override?: string,
): string | null {
  return lookupConfig(startDir, env, override).path;
}

function isFile(p: string): boolean {
  try {
    return !statSync(p).isDirectory();
  } catch {
    return false;
  }
}
