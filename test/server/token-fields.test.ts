import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { CreateFields, ignoredWarning, readFields, RenewFields } from "../../src/server/mounts/token-fields.js";

/** The token endpoints' fields, weakly decoded as Vault's framework does (sdk/framework/field_data.go). */

describe("readFields", () => {
  it("reads what hvac sends: null is Go's zero value (renewable: false), or not given for a duration", () => {
    const create = readFields({ id: null, policies: null, meta: null, renewable: null, num_uses: null, no_parent: false }, CreateFields);
    expect(create.values).toEqual({ id: "", policies: [], meta: {}, renewable: false, num_uses: 0, no_parent: false });
    expect(readFields({ increment: null }, RenewFields).values).toEqual({ increment: undefined });
  });

  it("decodes weakly: one string as a list, numbers and bools as strings, Go's bool spellings, key=value lists, duration text", () => {
    const { values } = readFields({ policies: " dev ", display_name: 7, renewable: "f", no_parent: 1, meta: ["a=1", "b=x=y"], ttl: 3600 }, CreateFields);
    expect(values).toEqual({ policies: ["dev"], display_name: "7", renewable: false, no_parent: true, meta: { a: "1", b: "x=y" }, ttl: "3600" });
    expect(readFields({ increment: "1h30m" }, RenewFields).values.increment).toBe(5400);
    expect(readFields({ increment: "2d" }, RenewFields).values.increment).toBe(172800);
  });

  it("a field that does not convert: the framework's 400, naming the field, never the value", () => {
    const e = (() => {
      try {
        readFields({ increment: "soon-secret" }, RenewFields);
      } catch (err) {
        return err as SecretsError;
      }
      throw new Error("no error");
    })();
    expect([e.kind, e.message]).toEqual(["usage", 'Field validation failed: error converting input for field "increment": expected a duration (seconds, or such as 1h30m)']);
    expect(() => readFields({ increment: -5 }, RenewFields)).toThrow("cannot provide a negative value");
    expect(() => readFields({ meta: ["=x"] }, CreateFields)).toThrow('field "meta": invalid key pair');
    expect(() => readFields([1, 2], RenewFields)).toThrow("error parsing JSON");
  });

  it("names the fields it ignored, sorted, in the framework's warning", () => {
    const { ignored } = readFields({ zeta: 1, token: "t", alpha: 2 }, RenewFields);
    expect(ignoredWarning(ignored)).toEqual(["Endpoint ignored these unrecognized parameters: [alpha zeta]"]);
    expect(ignoredWarning([])).toEqual([]);
  });
});
