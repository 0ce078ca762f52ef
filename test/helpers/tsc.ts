/**
 * The lines of tsc's plain output (not a terminal: no --pretty) that start a diagnostic, e.g.
 * `wrong.ts(2,14): error TS2322: ...` or `error TS5083: ...`; a message's further lines are indented.
 */
export function diagnosticLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l !== "" && !/^\s/.test(l));
}
