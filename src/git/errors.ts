import { SecretsError } from "../errors.js";

/**
 * The two failures of this area that are outcomes rather than bad input, each a kind with its own
 * exit code (free in sops' table, `src/errors.ts`): a merge that left conflicts, and a refused commit.
 */

export function mergeConflictError(file: string, paths: readonly string[]): SecretsError {
  return new SecretsError(
    "merge-conflict",
    `merge conflict at ${paths.join(", ")}: both candidates are kept in the file, marked <<<<<<< ours / >>>>>>> theirs; resolve with \`secrets edit ${file}\`, then git add it`,
    { file },
  );
}

export function checkRefusedError(problems: number, files: number): SecretsError {
  return new SecretsError(
    "check-refused",
    `commit refused: ${problems} problem${problems === 1 ? "" : "s"} in ${files} staged file${files === 1 ? "" : "s"} (listed above; to commit anyway: git commit --no-verify)`,
  );
}
