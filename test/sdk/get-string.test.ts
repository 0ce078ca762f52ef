import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecretNotFound, SecretsClient, SecretsError, SecretTypeError } from "../../src/index.js";
import { makeFixture, type Fixture } from "./fixture.js";

/**
 * `getString`: a string secret typed `string`, so `const url: string = await client.getString(…)`
 * compiles under --strict (this file is type-checked by `npm run typecheck`; the installed package
 * by test/sdk/pack.test.ts). A value of another type is a SecretTypeError naming the type, not the value.
 */

let fx: Fixture;
let client: SecretsClient;
beforeEach(async () => {
  fx = await makeFixture();
  client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
  await fx.put("app.yaml", { DATABASE_URL: "postgresql://u:p@h/db", WORKERS: 48172935, DEBUG: false, EMPTY: null, db: { password: "pg-s3cret" }, hosts: ["h-one", "h-two"] });
});
afterEach(() => fx.cleanup());

async function rejection(p: Promise<unknown>): Promise<SecretTypeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SecretTypeError);
  return e as SecretTypeError;
}

describe("SecretsClient.getString", () => {
  it("a string secret comes back typed string", async () => {
    const url: string = await client.getString("app/DATABASE_URL");
    expect(url.startsWith("postgresql://")).toBe(true);
    expect(url).toBe("postgresql://u:p@h/db");
  });

  it.each([
    ["app/WORKERS", "a number", "number", "48172935"],
    ["app/DEBUG", "a boolean", "boolean", "false"],
    ["app/EMPTY", "null", "null", "null"],
    ["app/db", "a map", "map", "pg-s3cret"],
    ["app/hosts", "a list", "list", "h-one"],
  ])("%s (%s): SecretTypeError, kind wrong-type, exit 95, naming the type and not the value", async (path, described, actual, value) => {
    const e = await rejection(client.getString(path));
    expect(e).toBeInstanceOf(SecretsError);
    expect(e).toMatchObject({ name: "SecretTypeError", kind: "wrong-type", exitCode: 95, secretPath: path, expected: "string", actual });
    expect(e.message).toBe(`${path} is ${described}, not a string; read it with get()`);
    if (path !== "app/EMPTY") expect(`${e.message}\n${e.stack}\n${inspect(e, { showHidden: true, depth: 5 })}`).not.toContain(value);
  });

  it("a missing path is still SecretNotFound", async () => {
    await expect(client.getString("app/NOPE")).rejects.toBeInstanceOf(SecretNotFound);
  });

  it("get keeps every type", async () => {
    expect(await client.get("app/WORKERS")).toBe(48172935);
    expect(await client.get("app/db")).toEqual({ password: "pg-s3cret" });
  });
});
