import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { bech32Decode, bech32Encode } from "../../src/keys/age/bech32.js";
import { parseRecipient, parseRecipientList } from "../../src/keys/recipients.js";

const X = "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr";

function configError(f: () => unknown): SecretsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsError);
    expect((e as SecretsError).kind).toBe("config");
    return e as SecretsError;
  }
  throw new Error("expected a config error");
}

describe("parseRecipient", () => {
  it("accepts an X25519 recipient, trimmed like sops", () => {
    expect(parseRecipient(X)).toEqual({ type: "x25519", recipient: X });
    expect(parseRecipient(`  ${X}\n`)).toEqual({ type: "x25519", recipient: X });
    expect(X).toHaveLength(62);
  });

  it("accepts hybrid and tag recipients of the right sizes", () => {
    const pq = bech32Encode("age1pq", randomBytes(1216));
    expect(pq.startsWith("age1pq1")).toBe(true);
    expect(parseRecipient(pq)).toEqual({ type: "pq", recipient: pq });
    const tag = bech32Encode("age1tag", randomBytes(33));
    expect(parseRecipient(tag).type).toBe("tag");
    const tagpq = bech32Encode("age1tagpq", randomBytes(1249));
    expect(parseRecipient(tagpq).type).toBe("tagpq");
    configError(() => parseRecipient(bech32Encode("age1pq", randomBytes(1215))));
    configError(() => parseRecipient(bech32Encode("age1tag", randomBytes(32))));
  });

  it("rejects malformed Bech32 and names the recipient", () => {
    const flipped = X.slice(0, -1) + (X.endsWith("r") ? "q" : "r");
    expect(configError(() => parseRecipient(flipped)).message).toContain(flipped);
    configError(() => parseRecipient(X.slice(0, -1))); // 61 characters
    configError(() => parseRecipient("age1" + X.slice(4).toUpperCase())); // mixed case
    configError(() => parseRecipient(bech32Encode("age", randomBytes(31))));
    configError(() => parseRecipient(X + "q"));
  });

  it("refuses plugin recipients (more than one '1') with a clear message", () => {
    const yubi = bech32Encode("age1yubikey", randomBytes(33));
    expect(configError(() => parseRecipient(yubi)).message).toMatch(/plugin recipients are not supported/);
  });

  it("refuses SSH keys, empty strings and anything else", () => {
    expect(configError(() => parseRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI foo")).message).toMatch(/SSH/);
    configError(() => parseRecipient("   "));
    expect(configError(() => parseRecipient("AGE1XYZ")).message).toMatch(/unknown recipient type/);
  });

  it("parses comma-separated lists", () => {
    const other = bech32Encode("age", randomBytes(32));
    expect(parseRecipientList(` ${X}, ,${other},`).map((r) => r.recipient)).toEqual([X, other]);
  });
});

describe("bech32", () => {
  it("round-trips, with no 90-character limit, and rejects mixed case and bad checksums", () => {
    const data = randomBytes(1216);
    const s = bech32Encode("age1pq", data);
    expect(s.length).toBeGreaterThan(1900);
    expect(Buffer.from(bech32Decode(s)!.data)).toEqual(data);
    expect(bech32Decode(s.toUpperCase())!.hrp).toBe("age1pq");
    expect(bech32Decode(s.slice(0, 10) + s.slice(10).toUpperCase())).toBeNull();
    expect(bech32Decode(s.slice(0, -1) + (s.endsWith("q") ? "p" : "q"))).toBeNull();
  });

  it("decodes a known age recipient (BIP 173 checksum, constant 1)", () => {
    expect(bech32Decode(X)).not.toBeNull();
    expect(bech32Decode(X)!.data).toHaveLength(32);
  });
});
