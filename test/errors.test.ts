import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { errorKinds, exitCodeOf, ExitCode, httpStatusOf, ResultExitCode, SecretsError, signalExitCode, type ErrorKind } from "../src/errors.js";

/**
 * The error table of src/errors.ts is complete: every kind has an exit code and an HTTP status, the
 * CLI takes its exit codes from it alone, and the README lists every code there is.
 */

const ROOT = join(import.meta.dirname, "..");
const VAULT_STATUSES = new Set([400, 403, 404, 405, 409, 412, 429, 500, 503]);
/** The signals `edit` ends on (and the README names). */
const SIGNAL_CODES = (["SIGHUP", "SIGINT", "SIGTERM"] as const).map((s) => signalExitCode(os.constants.signals[s]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []));
}

describe("error kinds", () => {
  it("every kind has an exit code (1-255) and a Vault HTTP status, and SecretsError carries both", () => {
    expect(errorKinds().length).toBeGreaterThan(25);
    for (const kind of errorKinds()) {
      const e = new SecretsError(kind, "x");
      expect(e.exitCode, kind).toBe(exitCodeOf(kind));
      expect(e.httpStatus, kind).toBe(httpStatusOf(kind));
      expect(Number.isInteger(e.exitCode) && e.exitCode >= 1 && e.exitCode <= 255, kind).toBe(true);
      expect(VAULT_STATUSES.has(e.httpStatus), `${kind}: ${e.httpStatus}`).toBe(true);
    }
  });

  it("each exit code names one case; kinds share a code only where the README says so", () => {
    const codes = Object.values(ExitCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(errorKinds().some((k) => exitCodeOf(k) === code), String(code)).toBe(true);
    const shared = new Map<number, ErrorKind[]>();
    for (const kind of errorKinds()) shared.set(exitCodeOf(kind), [...(shared.get(exitCodeOf(kind)) ?? []), kind]);
    const groups = Object.fromEntries([...shared].filter(([, kinds]) => kinds.length > 1));
    expect(groups).toEqual({
      1: ["generic", "usage", "metadata", "config", "no-recipients", "not-found", "text-merge-conflict", "permission-denied", "unavailable"],
      2: ["read-input", "parse"],
    });
  });

  it("the codes the tool decides itself: 126, 127, 128 + n for signals", () => {
    expect(exitCodeOf("command-not-executable")).toBe(126);
    expect(exitCodeOf("command-not-found")).toBe(127);
    expect(exitCodeOf("merge-conflict")).toBe(40);
    expect(exitCodeOf("check-refused")).toBe(41);
    expect(exitCodeOf("not-audit-log")).toBe(42);
    expect(SIGNAL_CODES).toEqual([129, 130, 143]);
    expect(exitCodeOf("interrupted")).toBe(signalExitCode(os.constants.signals.SIGINT));
  });

  it("HTTP statuses: the request's fault is 4xx, the server's files or configuration 5xx, a held lock a retryable 503", () => {
    const status = (k: ErrorKind) => httpStatusOf(k);
    expect([status("usage"), status("parse"), status("tree-path"), status("set-format")]).toEqual([400, 400, 400, 400]);
    expect([status("no-key"), status("outside-root")]).toEqual([403, 403]);
    expect([status("not-found"), status("no-file")]).toEqual([404, 404]);
    expect([status("conflict"), status("merge-conflict")]).toEqual([409, 409]);
    expect([status("mac-mismatch"), status("decrypt-tree"), status("metadata"), status("config"), status("generic")]).toEqual([500, 500, 500, 500, 500]);
    expect(status("locked")).toBe(503);
    expect([status("permission-denied"), status("unavailable")]).toEqual([403, 503]);
  });
});

/** `process.exit(…)`, `exitCode = …` or `exitCode: …` given a number, directly or as a branch of `?:`. */
const NUMERIC_EXIT = /(?:process\.exit\(|exitCode\s*[=:])\s*(?:[^;]*?[?:]\s*)?\d/;
/** A constant of its own for an exit code (`const EXIT_MERGE_CONFLICT = 40`). */
const EXIT_CONSTANT = /\bEXIT_\w*\s*=\s*\d/;

describe("exit codes come from src/errors.ts only", () => {
  it("no file of src/ outside src/errors.ts sets a numeric exit status", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, "src"))) {
      const rel = relative(ROOT, file);
      if (rel === join("src", "errors.ts")) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (NUMERIC_EXIT.test(line) || EXIT_CONSTANT.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it("the README's exit-code paragraph lists every code, and no other", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Exit codes"));
    const paragraph = section.slice(0, section.indexOf("Every error is one line"));
    const listed = new Set([...paragraph.matchAll(/\b\d+\b/g)].map((m) => Number(m[0])));
    const expected = new Set([...errorKinds().map(exitCodeOf), ...Object.values(ResultExitCode), ...SIGNAL_CODES]);
    expect([...listed].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  });
});
