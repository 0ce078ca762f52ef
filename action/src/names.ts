import type { PathSegment } from "../../src/sops/path.js";

/**
 * Names of exported secrets. A key path becomes UPPER_SNAKE: each key is split at camelCase humps
 * and at every run of characters other than ASCII letters and digits, segments are joined with `_`:
 * `database.password` → DATABASE_PASSWORD, `apiKey` → API_KEY, `hosts[0]` → HOSTS_0.
 */

/** What a name must look like to be a step output, an environment variable and a dotenv key. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function snake(segment: PathSegment): string {
  return String(segment)
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
}

/**
 * The name for a key path, under an optional prefix (a selector's name). Returns null when nothing
 * usable is left (a key made only of punctuation). A name starting with a digit gets a leading `_`.
 */
export function nameForPath(path: readonly PathSegment[], prefix?: string): string | null {
  const parts = path.map(snake).filter((s) => s !== "");
  if (prefix !== undefined) parts.unshift(prefix);
  if (parts.length === 0) return null;
  const name = parts.join("_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * Why a name must not become an environment variable, or null. These would change how later steps
 * run rather than what they read (PATH, loader and shell start-up variables), or are the runner's own
 * (the runner refuses NODE_OPTIONS). Compared upper-cased, so `Path` is refused as well.
 */
export function reservedEnvName(name: string): boolean {
  const n = name.toUpperCase();
  return (
    n === "PATH" ||
    n === "NODE_OPTIONS" ||
    n === "BASH_ENV" ||
    n === "ENV" ||
    n.startsWith("LD_") ||
    n.startsWith("GITHUB_") ||
    n.startsWith("RUNNER_") ||
    n.startsWith("ACTIONS_")
  );
}
