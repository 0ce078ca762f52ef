import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditHash, identifiedHmac } from "../../src/audit-log/hmac.js";

// Vault's docs publish no audit-hash example with a known salt (api-docs/system/audit-hash shows a
// truncated "hmac-sha256:08ba35..." for an unknown salt), so the expectations here are computed
// independently: with node:crypto in the test, and with RFC 4231's published HMAC-SHA256 vectors.
describe("identifiedHmac / auditHash (Vault sdk/helper/salt/salt.go GetIdentifiedHMAC)", () => {
  it("matches RFC 4231 test case 2 (key 'Jefe'), prefixed with the HMAC type", () => {
    const salt = Buffer.from("Jefe", "utf8");
    expect(identifiedHmac(salt, "what do ya want for nothing?")).toBe(
      "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("matches RFC 4231 test case 1 (key 0x0b x 20, 'Hi There')", () => {
    expect(identifiedHmac(Buffer.alloc(20, 0x0b), "Hi There")).toBe(
      "hmac-sha256:b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
  });

  it("is what sys/audit-hash answers: {hash: 'hmac-sha256:' + hex HMAC-SHA256(salt, UTF-8 input)}", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.string({ unit: "binary" }), (salt, input) => {
        const expected = createHmac("sha256", salt).update(Buffer.from(input, "utf8")).digest("hex");
        expect(auditHash(salt, input)).toEqual({ hash: `hmac-sha256:${expected}` });
      }),
      { numRuns: 100 },
    );
  });
});
