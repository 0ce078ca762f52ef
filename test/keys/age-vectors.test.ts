import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { armor as libArmor } from "age-encryption";
import { armor, dearmor } from "../../src/keys/age/armor.js";
import { decryptAge } from "../../src/keys/age/decrypt.js";
import { AgeError, type AgeFailure } from "../../src/keys/age/errors.js";
import { parseIdentity } from "../../src/keys/age/identity.js";
import { ScryptIdentity } from "../../src/keys/age/lib.js";
import type { AgeIdentity } from "../../src/keys/age/types.js";
import { VECTORS as DIR } from "../helpers/fixtures.js";

/**
 * Every C2SP age vector through our own decrypt path (armor → header → identities → MAC → STREAM).
 * X25519 runs on node:crypto; hybrid and scrypt stanzas go through age-encryption's identities,
 * still inside our parser and our MAC/STREAM code. The README's procedure, and exact classes.
 */

const KNOWN_KEYS = new Set(["expect", "payload", "file key", "identity", "passphrase", "armored", "compressed", "comment"]);
const EXPECT: Record<string, AgeFailure | "success"> = {
  success: "success",
  "armor failure": "armor",
  "header failure": "header",
  "no match": "no-match",
  "HMAC failure": "hmac",
  "payload failure": "payload",
};

interface Vector {
  name: string;
  fields: [string, string][];
  body: Buffer;
}

function load(name: string): Vector {
  const raw = readFileSync(join(DIR, name));
  const sep = raw.indexOf("\n\n");
  const fields = raw
    .subarray(0, sep)
    .toString("utf8")
    .split("\n")
    .map((l) => {
      const i = l.indexOf(": ");
      return [l.slice(0, i), l.slice(i + 2)] as [string, string];
    });
  return { name, fields, body: raw.subarray(sep + 2) };
}

const names = readdirSync(DIR)
  .filter((n) => !n.endsWith(".md") && !n.startsWith("."))
  .sort();
const vectors = names.map(load);

async function run(v: Vector): Promise<{ ok: true; sha: string } | { ok: false; reason: AgeFailure; message: string }> {
  const get = (k: string) => v.fields.filter(([key]) => key === k).map(([, val]) => val);
  let file: Uint8Array = get("compressed")[0] === "zlib" ? inflateSync(v.body) : v.body;
  const ids: AgeIdentity[] = [...get("identity").map(parseIdentity), ...get("passphrase").map((p) => new ScryptIdentity(p))];
  try {
    if (get("armored")[0] === "yes") file = dearmor(file);
    const plain = await decryptAge(file, ids);
    return { ok: true, sha: createHash("sha256").update(plain).digest("hex") };
  } catch (e) {
    if (!(e instanceof AgeError)) throw e;
    return { ok: false, reason: e.reason, message: e.message };
  }
}

describe("C2SP age vectors through our decrypter", () => {
  it("are all there, with no preamble key we do not know", () => {
    expect(vectors.length).toBe(143);
    for (const v of vectors) for (const [k] of v.fields) expect(KNOWN_KEYS, `${v.name}: ${k}`).toContain(k);
  });

  for (const v of vectors) {
    const expected = EXPECT[v.fields.find(([k]) => k === "expect")![1]]!;
    it(`${v.name}: ${expected}`, async () => {
      const r = await run(v);
      if (expected === "success") {
        expect(r).toEqual({ ok: true, sha: v.fields.find(([k]) => k === "payload")![1] });
      } else {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason, r.message).toBe(expected);
      }
    });
  }

  it("armor round trip: re-armoring a dearmored success vector gives it back (up to CRLF and outer whitespace)", () => {
    const armored = vectors.filter((v) => v.fields.some(([k, val]) => k === "armored" && val === "yes") && v.fields.some(([k, val]) => k === "expect" && val === "success"));
    expect(armored.length).toBeGreaterThanOrEqual(6);
    for (const v of armored) {
      const text = (v.fields.some(([k]) => k === "compressed") ? inflateSync(v.body) : v.body).toString("latin1");
      const bytes = dearmor(text);
      expect(armor(bytes), v.name).toBe(text.replaceAll("\r\n", "\n").trim() + "\n");
      expect(armor(bytes)).toBe(libArmor.encode(bytes));
    }
  });
});
