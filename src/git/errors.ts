import { SecretsError } from "../errors.js";

/**
 * The two failures of this area that are outcomes rather than bad input, each with its own exit code
 * (free in sops' table, `src/errors.ts`): a merge that left conflicts, and a refused commit.
 */

export const EXIT_MERGE_CONFLICT = 40;
export const EXIT_CHECK_REFUSED = 41;

export function mergeConflictError(file: string, paths: readonly string[]): SecretsError {
  return new SecretsError(
    "conflict",
    `merge conflict at ${paths.join(", ")}: both candidates are kept in the file, marked <<<<<<< ours / >>>>>>> theirs; resolve with \`secrets edit ${file}\`, then git add it`,
    { file, exitCode: EXIT_MERGE_CONFLICT },
  );
}

export function checkRefusedError(problems: number, files: number): SecretsError {
  return new SecretsError(
    "generic",
    `commit refused: ${problems} problem${problems === 1 ? "" : "s"} in ${files} staged file${files === 1 ? "" : "s"} (listed above; to commit anyway: git commit --no-verify)`,
    { exitCode: EXIT_CHECK_REFUSED },
  );
}
