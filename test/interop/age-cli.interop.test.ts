import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { identitiesFromStrings } from "../../src/keys/identities.js";
import { unwrapDataKey } from "../../src/keys/wrap.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * The Go `age` binary (the reference implementation, Debian package `age`) opens the data keys our
 * CLI wraps. A system program: this file runs in `npm run test:interop`, whose global setup
 * (test/interop/programs.mjs) fails naming the package when `age` is missing.
 */

let sb: Sandbox;
let keyFile: string;

beforeAll(async () => {
  sb = new Sandbox();
  const recipient = (await sb.ok(["keygen"])).trim();
  keyFile = `${sb.dir}/config/sops/age/keys.txt`;
  writeFileSync(sb.path("a.yaml"), "db:\n    password: p@ss\n");
  await sb.ok(["encrypt", "-i", "--age", recipient, "a.yaml"]);
});
afterAll(() => sb.cleanup());

describe("Go age opens our wrapped data keys", () => {
  it("age -d -i key.txt on an enc entry gives the 32-byte data key", async () => {
    const enc: string = parseYaml(readFileSync(sb.path("a.yaml"), "utf8")).sops.age[0].enc;
    writeFileSync(sb.path("enc.age"), enc);
    const out = execFileSync("age", ["-d", "-i", keyFile, sb.path("enc.age")]);
    expect(out.length).toBe(32);
    const secretKey = readFileSync(keyFile, "utf8").match(/AGE-SECRET-KEY-1\S+/)![0];
    const ours = await unwrapDataKey(enc, identitiesFromStrings([secretKey]));
    expect(out.equals(Buffer.from(ours!))).toBe(true);
  });
});
