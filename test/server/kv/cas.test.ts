import { describe, expect, it } from "vitest";
import { CAS_MISMATCH, CAS_REQUIRED, CAS_UNPARSABLE, checkCas } from "../../../src/server/kv/cas.js";

// The rule and strings of vault-plugin-secrets-kv path_data.go validateCheckAndSetOption; the rows
// marked "path_data_test.go" are that file's own cases (TestVersionedKV_Data_Put_CAS...,
// TestVersionedKV_Data_Put_ZeroCas, TestVersionedKV_Patch_CASValidation).
describe("checkCas", () => {
  const cases: Array<[string, number, Record<string, unknown> | undefined, boolean, string | null]> = [
    ["no options, not required", 3, undefined, false, null],
    ["options without cas, not required", 3, {}, false, null],
    ["no options, required (path_data_test.go Patch_CASValidation)", 1, { }, true, CAS_REQUIRED],
    ["no options at all, required", 0, undefined, true, CAS_REQUIRED],
    ["cas 0 on a new key: create only (path_data_test.go Put_ZeroCas, first write)", 0, { cas: 0 }, false, null],
    ["cas 0 when the key exists (path_data_test.go Put_ZeroCas, second write)", 1, { cas: 0 }, false, CAS_MISMATCH],
    ["cas = current (path_data_test.go, cas 1 at version 1)", 1, { cas: 1 }, false, null],
    ["cas = current while required", 1, { cas: 1 }, true, null],
    ["cas behind current (path_data_test.go Patch_CASValidation, cas 2 at version 1)", 1, { cas: 2 }, true, CAS_MISMATCH],
    ["cas older than current", 5, { cas: 4 }, false, CAS_MISMATCH],
    ["negative cas never matches (uint64 compare)", 0, { cas: -1 }, false, CAS_MISMATCH],
    ["cas null decodes as 0", 0, { cas: null }, false, null],
    ["cas as a decimal string (weak decoding)", 2, { cas: "2" }, false, null],
    ["cas as an empty string is 0", 0, { cas: "" }, true, null],
    ["cas as a hex string (ParseInt base 0)", 16, { cas: "0x10" }, false, null],
    ["cas true is 1", 1, { cas: true }, false, null],
    ["cas with a fraction (json.Number)", 1, { cas: 1.5 }, false, CAS_UNPARSABLE],
    ["cas a word", 1, { cas: "one" }, false, CAS_UNPARSABLE],
    ["cas an object", 1, { cas: {} }, false, CAS_UNPARSABLE],
  ];
  it.each(cases)("%s", (_name, current, options, required, expected) => {
    const error = checkCas(current, options, required);
    if (expected === null) expect(error).toBeNull();
    else {
      expect(error?.message).toBe(expected);
      expect(error?.kind).toBe("usage");
      expect(error?.httpStatus).toBe(400);
    }
  });
});
