import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { bech32Decode, bech32Encode, bech32Parse } from "../../src/keys/age/bech32.js";
import { classifyRecipient, parseRecipient, parseRecipientList, type RecipientKind } from "../../src/keys/recipients.js";
import { checkRecipient } from "../../src/policy/recipient.js";

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

describe("one classifier for .sops.yaml and for wrapping", () => {
  const SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host";
  // [recipient, what the classifier says, what parseRecipient gives (null: refused)]
  const cases: Array<[string, RecipientKind | null, string | null]> = [
    [X, "x25519", "x25519"],
    [bech32Encode("age1pq", randomBytes(1216)), "mlkem768x25519", "pq"],
    [bech32Encode("age1tag", randomBytes(33)), "tag", "tag"],
    [bech32Encode("age1tagpq", randomBytes(1249)), "tagpq", "tagpq"],
    [bech32Encode("age1yubikey", randomBytes(33)), "plugin", null],
    [SSH, "ssh", null],
    // Once a plugin for .sops.yaml and a 33-byte key for wrapping: now wrong for both.
    [bech32Encode("age1tag", randomBytes(32)), null, null],
    [bech32Encode("age1tagpq", randomBytes(1216)), null, null],
    // The age1pq1 prefix routes to the hybrid (as in sops), whatever follows: once a plugin for .sops.yaml.
    [bech32Encode("age1pq1x", randomBytes(1216)), null, null],
    [X.toUpperCase(), null, null],
    ["ssh-dss AAAA", null, null],
    ["", null, null],
  ];

  it("gives the policy check and the key parser the same answer", () => {
    for (const [r, kind, type] of cases) {
      const c = classifyRecipient(r);
      expect(checkRecipient(r)).toEqual(c);
      expect(c.ok ? c.kind : null).toBe(kind);
      let parsed: string | null = null;
      try {
        parsed = parseRecipient(r).type;
      } catch (e) {
        expect((e as SecretsError).kind).toBe("config");
      }
      expect(parsed).toBe(type);
      // Wrapping accepts a subset of what a .sops.yaml may hold, never more.
      if (parsed !== null) expect(c.ok).toBe(true);
    }
  });

  it("says why, naming the kind a malformed recipient was routed to", () => {
    expect(classifyRecipient(bech32Encode("age1tag", randomBytes(32)))).toEqual({ ok: false, kind: "tag", reason: "a P-256 tag recipient holds 33 bytes, this one 32" });
    expect(classifyRecipient(X.toUpperCase())).toEqual({ ok: false, reason: "must be written in lowercase" });
    expect(configError(() => parseRecipient(bech32Encode("age1tag", randomBytes(32)))).message).toMatch(/malformed age recipient \(not a valid Bech32 tag/);
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

  it("names the first problem of a malformed string", () => {
    expect(bech32Parse("age1" + X.slice(4).toUpperCase())).toEqual({ problem: "mixed-case" });
    expect(bech32Parse("age1 " + X.slice(5))).toEqual({ problem: "not-printable" });
    expect(bech32Parse("qqqqqqqqq")).toEqual({ problem: "no-separator" });
    expect(bech32Parse("a1qqqqq")).toEqual({ problem: "too-short" });
    expect(bech32Parse(X.slice(0, 10) + "b" + X.slice(11))).toEqual({ problem: "bad-character", at: 10 });
    expect(bech32Parse(X.slice(0, -1) + (X.endsWith("q") ? "p" : "q"))).toEqual({ problem: "checksum" });
  });

  it("decodes a known age recipient (BIP 173 checksum, constant 1)", () => {
    expect(bech32Decode(X)).not.toBeNull();
    expect(bech32Decode(X)!.data).toHaveLength(32);
  });
});
