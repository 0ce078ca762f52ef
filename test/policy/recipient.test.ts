import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { bech32Parse } from "../../src/keys/age/bech32.js";
import { checkRecipient, splitRecipients } from "../../src/policy/recipient.js";

// Public keys published with the interop fixtures (test/fixtures/sops-age).
const REAL_X25519 = [
  "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29",
  "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr",
  "age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw",
];

describe("checkRecipient", () => {
  it("accepts real and freshly generated X25519 recipients", async () => {
    for (const r of REAL_X25519) expect(checkRecipient(r)).toEqual({ ok: true, kind: "x25519" });
    for (let i = 0; i < 5; i++) {
      const r = await identityToRecipient(await generateX25519Identity());
      expect(r).toMatch(/^age1[a-z0-9]{58}$/);
      expect(checkRecipient(r)).toEqual({ ok: true, kind: "x25519" });
    }
  });

  it("accepts an ML-KEM-768+X25519 hybrid recipient", async () => {
    const r = await identityToRecipient(await generateHybridIdentity());
    expect(r.startsWith("age1pq1")).toBe(true);
    expect(checkRecipient(r)).toEqual({ ok: true, kind: "mlkem768x25519" });
    // Truncated: still bech32-shaped, but the checksum fails.
    expect(checkRecipient(r.slice(0, -1)).ok).toBe(false);
  });

  it("rejects a typo (checksum), a non-bech32 character, a wrong length, upper case and junk", () => {
    const r = REAL_X25519[0]!;
    const typo = r.slice(0, 10) + (r[10] === "q" ? "p" : "q") + r.slice(11);
    expect(checkRecipient(typo)).toMatchObject({ ok: false, reason: expect.stringContaining("checksum") });
    const badChar = r.slice(0, 10) + "b" + r.slice(11); // 'b' is not in the bech32 alphabet
    expect(checkRecipient(badChar)).toMatchObject({ ok: false, reason: expect.stringContaining("alphabet") });
    expect(checkRecipient(r.slice(0, -1)).ok).toBe(false);
    expect(checkRecipient(r.toUpperCase())).toMatchObject({ ok: false, reason: expect.stringContaining("lowercase") });
    expect(checkRecipient("age1")).toMatchObject({ ok: false });
    expect(checkRecipient("35C1A64CD7FC0AB6EB66756B2445463C3234ECE1")).toMatchObject({ ok: false });
    expect(checkRecipient(" " + r)).toMatchObject({ ok: false });
  });

  it("classifies ssh and plugin recipients as sops does", () => {
    expect(checkRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host")).toEqual({
      ok: true,
      kind: "ssh",
    });
    expect(checkRecipient("ssh-dss AAAA").ok).toBe(false);
  });

  it("bech32Parse recovers the 32-byte X25519 key", () => {
    const d = bech32Parse(REAL_X25519[0]!);
    expect("problem" in d).toBe(false);
    if (!("problem" in d)) {
      expect(d.hrp).toBe("age");
      expect(d.data.length).toBe(32);
    }
  });
});

describe("splitRecipients", () => {
  it("splits on commas, trims, drops empty parts", () => {
    expect(splitRecipients(" a , b,,c, ")).toEqual(["a", "b", "c"]);
    expect(splitRecipients("")).toEqual([]);
  });
});
