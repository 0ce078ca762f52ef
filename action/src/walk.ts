import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { isWithin } from "../../src/io/confine.js";

/** Directories never searched for secret files: VCS data and installed packages. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/**
 * Every regular file below `root`, as sorted relative paths with `/` separators. Symbolic links to
 * files are included when the file they lead to is below `boundary` (the workspace: a committed link
 * must not make a glob pick up a file of another checkout); links to directories are not followed
 * (no cycles, no escaping the tree).
 */
export function listFiles(root: string, boundary: string = root): string[] {
  const out: string[] = [];
  const realBoundary = realpathSync.native(boundary);
  const visit = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) visit(join(dir, e.name), relPath);
      } else if (e.isFile()) {
        out.push(relPath);
      } else if (e.isSymbolicLink()) {
        try {
          const p = join(dir, e.name);
          if (statSync(p).isFile() && isWithin(realBoundary, realpathSync.native(p))) out.push(relPath);
        } catch {
          // A dangling link is not a file.
        }
      }
    }
  };
  visit(root, "");
  return out.sort();
}
