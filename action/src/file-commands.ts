import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync } from "node:fs";
import { EOL } from "node:os";
import { ActionFailure } from "./failure.js";
import { safe } from "./safe-text.js";

/**
 * GITHUB_OUTPUT and GITHUB_ENV records, byte for byte as `@actions/core` writes them
 * (`prepareKeyValueMessage` + `issueFileCommand`): `name<<ghadelimiter_<random UUID>`, the value, the
 * delimiter, each record with its own fresh delimiter, and a value or name holding its delimiter is
 * refused. So no value can end its record early and inject another variable.
 *
 * Why not call core.setOutput/exportVariable per secret: each call opens, appends to and closes the
 * file (after an existsSync), and exportVariable also sets process.env, which glibc's setenv makes
 * quadratic. For 5,000 secrets that was about 400 ms of a 600 ms decrypt run; here each file gets one
 * append, and this process's environment is left alone (nothing in it reads the values). The format
 * is checked against the toolkit's own function in test/action/file-commands.test.ts.
 */

export interface NamedValue {
  name: string;
  value: string;
}

/** One record; `delimiter` is a parameter for the equivalence test only. */
export function keyValueRecord(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) throw new ActionFailure(safe`a secret collides with the file-command delimiter; run the step again`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

/** Appends one record per value to the runner's GITHUB_OUTPUT or GITHUB_ENV file, in one write. */
export function appendRecords(variable: "GITHUB_OUTPUT" | "GITHUB_ENV", values: readonly NamedValue[]): void {
  const path = process.env[variable];
  if (!path || !existsSync(path)) throw new ActionFailure(safe`the runner's ${variable === "GITHUB_OUTPUT" ? safe`GITHUB_OUTPUT` : safe`GITHUB_ENV`} file is missing`);
  if (values.length === 0) return;
  appendFileSync(path, values.map((v) => keyValueRecord(v.name, v.value)).join(""), { encoding: "utf8" });
}
