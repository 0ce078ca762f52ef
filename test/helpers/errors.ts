import { expect } from "vitest";
import { SecretsError } from "../../src/errors.js";

/** The SecretsError a function throws (fails the test if it throws something else, or nothing). */
export function errorOf(fn: () => unknown): SecretsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsError);
    return e as SecretsError;
  }
  throw new Error("expected a SecretsError");
}

/** The SecretsError a promise rejects with (fails the test if it rejects with something else, or resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<SecretsError> {
  const e = await p.then(
    () => new Error("expected a rejection"),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SecretsError);
  return e as SecretsError;
}
