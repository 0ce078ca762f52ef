import { expect } from "vitest";
import { SecretsError } from "../../src/errors.js";

/** Runs fn, expects a one-line SecretsError of `kind` whose message does not quote `secret`. */
export function expectStoreError(fn: () => unknown, kind: "parse" | "dump", secret?: string): SecretsError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SecretsError);
  const e = err as SecretsError;
  expect(e.kind).toBe(kind);
  expect(e.message).not.toMatch(/[\r\n]/);
  if (secret) expect(e.message).not.toContain(secret);
  return e;
}
