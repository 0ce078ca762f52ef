import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditFormatter } from "../../src/audit-log/format.js";
import type { AuditDataValue } from "../../src/audit-log/hash.js";
import { identifiedHmac } from "../../src/audit-log/hmac.js";

// Values carry a '§' so that none can occur by chance in keys, field names, hex or fixed text:
// finding one in a line can only mean it was written in plaintext.
const secret = fc.string({ minLength: 4, maxLength: 40, unit: "grapheme" }).map((s) => `§${s}`);
const key = fc.stringMatching(/^[a-z_]{1,12}$/);
const leaf = fc.oneof(secret, fc.integer(), fc.boolean(), fc.constant(null));
const data: fc.Arbitrary<Record<string, AuditDataValue>> = fc.letrec<{ value: AuditDataValue; map: Record<string, AuditDataValue> }>((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 4 }), tie("map")),
  map: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
})).map;

function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (v !== null && typeof v === "object") Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}

describe("no plaintext value or token in a line (property)", () => {
  it("holds for random request and response data and random tokens", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), secret, secret, data, data, (salt, token, accessor, reqData, respData) => {
        const f = new AuditFormatter((v) => identifiedHmac(salt, v));
        const auth = { clientToken: token, accessor, displayName: "ci" };
        const request = { id: "r", operation: "update" as const, path: "secret/data/app", clientToken: token, clientTokenAccessor: accessor, data: reqData, headers: { "x-vault-token": token, authorization: token } };
        const secrets = [token, accessor, ...stringsIn(reqData), ...stringsIn(respData)];
        for (const line of [f.line({ type: "request", auth, request }), f.line({ type: "response", auth, request, response: { data: respData, auth } })]) {
          const written = stringsIn(JSON.parse(line));
          for (const s of secrets) {
            expect(line.includes(s)).toBe(false);
            expect(line.includes(JSON.stringify(s).slice(1, -1))).toBe(false);
            expect(written.some((w) => w.includes(s))).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
