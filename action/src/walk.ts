import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Directories never searched for secret files: VCS data and installed packages. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/**
 * Every regular file below `root`, as sorted relative paths with `/` separators. Symbolic links to
 * files are included, links to directories are not followed (no cycles, no escaping the tree).
 */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) visit(join(dir, e.name), relPath);
      } else if (e.isFile()) {
        out.push(relPath);
      } else if (e.isSymbolicLink()) {
        try {
          if (statSync(join(dir, e.name)).isFile()) out.push(relPath);
        } catch {
          // A dangling link is not a file.
        }
      }
    }
  };
  visit(root, "");
  return out.sort();
}
