import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type RunResult } from "../helpers/cli.js";

/**
 * Issue #11 §5: bad input gets one clear line (the file named, no stack, no RangeError) and an exit
 * code, never a crash or a silent change.
 */

let sb: Sandbox;
let recipient: string;

beforeAll(async () => {
  sb = new Sandbox();
  recipient = (await sb.ok(["keygen"])).trim();
});
afterAll(() => sb.cleanup());

function expectOneLine(r: RunResult, code: number, file: string, re?: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(file);
  if (re) expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/RangeError|internal error|\n\s+at /);
}

describe("input size cap (SECRETS_MAX_INPUT_BYTES)", () => {
  it("decrypt /dev/zero stops quickly at the cap with a clear error", async () => {
    if (!existsSync("/dev/zero")) return;
    const t0 = Date.now();
    const r = await sb.run(["decrypt", "/dev/zero"], { env: { SECRETS_MAX_INPUT_BYTES: "100000" } });
    expectOneLine(r, 2, "/dev/zero", /larger than 100000 bytes.*SECRETS_MAX_INPUT_BYTES/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("a regular file over the cap is refused; one at the cap is read", async () => {
    writeFileSync(sb.path("big.yaml"), "a: " + "x".repeat(2000) + "\n");
    expectOneLine(await sb.run(["encrypt", "--age", recipient, "big.yaml"], { env: { SECRETS_MAX_INPUT_BYTES: "1000" } }), 2, "big.yaml", /larger than 1000 bytes/);
    const size = readFileSync(sb.path("big.yaml")).length;
    const r = await sb.run(["encrypt", "--age", recipient, "big.yaml"], { env: { SECRETS_MAX_INPUT_BYTES: String(size) } });
    expect(r.code, r.stderr).toBe(0);
  });

  it("stdin (a pipe) over the cap is refused", async () => {
    const r = await sb.run(["encrypt", "--age", recipient, "--filename-override", "piped.yaml"], {
      env: { SECRETS_MAX_INPUT_BYTES: "1000" },
      input: "a: " + "x".repeat(5000) + "\n",
    });
    expectOneLine(r, 2, "piped.yaml", /larger than 1000 bytes/);
  });

  it("a malformed SECRETS_MAX_INPUT_BYTES is an error, not ignored", async () => {
    writeFileSync(sb.path("small.yaml"), "a: b\n");
    expectOneLine(await sb.run(["encrypt", "--age", recipient, "small.yaml"], { env: { SECRETS_MAX_INPUT_BYTES: "64M" } }), 1, "small.yaml", /SECRETS_MAX_INPUT_BYTES must be/);
  });
});

describe("a malformed age entry for another recipient", () => {
  it("does not stop a reader whose own entry is intact", async () => {
    // The other recipient's key lives in a file this reader does not use.
    const other = (await sb.ok(["keygen", "--output", sb.path("other-keys.txt")])).trim();
    writeFileSync(sb.path("shared.yaml"), "token: s3cret-value\n");
    // The other recipient's entry comes first, so it is tried (and found broken) first.
    await sb.ok(["encrypt", "-i", "--age", `${other},${recipient}`, "shared.yaml"]);
    const text = readFileSync(sb.path("shared.yaml"), "utf8");
    const at = text.indexOf(`recipient: ${other}`);
    // sops 3.13 writes each entry's `enc` before its `recipient`.
    const begin = text.lastIndexOf("-----BEGIN AGE ENCRYPTED FILE-----\n", at) + "-----BEGIN AGE ENCRYPTED FILE-----\n".length;
    const lineEnd = text.indexOf("\n", begin);
    const indent = text.slice(text.lastIndexOf("\n", begin - 2) + 1, begin).match(/^ */)![0];
    const firstLine = text.slice(begin, lineEnd).trim();
    // Valid base64 of a header that is not an age header.
    const junk = Buffer.from("not-an-age-header/v1\n-> X25519\n".padEnd(48, "x")).toString("base64").slice(0, firstLine.length);
    const broken = text.slice(0, begin) + indent + junk + text.slice(lineEnd);
    expect(broken).not.toBe(text);
    writeFileSync(sb.path("shared.yaml"), broken);

    const r = await sb.run(["decrypt", "shared.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("token: s3cret-value\n");

    // The other recipient cannot read it (its entry is broken): the error says so, in one line.
    const o = await sb.run(["decrypt", "shared.yaml"], { env: { SOPS_AGE_KEY_FILE: sb.path("other-keys.txt"), XDG_CONFIG_HOME: sb.path("no-config") } });
    expectOneLine(o, 128, "shared.yaml", /no identity could decrypt the data key.*1 age entry is malformed/);
  });
});

describe("deep nesting: one line naming the file, never a RangeError", () => {
  const deepJson = (n: number) => '{"a": ' + "[".repeat(n) + "1" + "]".repeat(n) + "}\n";

  it("encrypt of a JSON or YAML file nested 2,600 to 10,000 levels", async () => {
    for (const n of [2_600, 10_000]) {
      writeFileSync(sb.path(`deep${n}.json`), deepJson(n));
      expectOneLine(await sb.run(["encrypt", "--age", recipient, `deep${n}.json`]), 2, `deep${n}.json`, /nests maps and lists deeper than \d+ levels at line 1/);
      writeFileSync(sb.path(`deep${n}.yaml`), "a: " + "[".repeat(n) + "1" + "]".repeat(n) + "\n");
      expectOneLine(await sb.run(["encrypt", "--age", recipient, `deep${n}.yaml`]), 2, `deep${n}.yaml`, /nests maps and lists deeper than \d+ levels at line 1/);
    }
  });

  it("decrypt of a crafted encrypted file with a deep value", async () => {
    writeFileSync(sb.path("ok.json"), '{"a": "x"}\n');
    const enc = await sb.ok(["encrypt", "--age", recipient, "ok.json"]);
    const crafted = enc.replace(/^\{/, '{\n\t"deep": ' + "[".repeat(5_000) + "]".repeat(5_000) + ",");
    writeFileSync(sb.path("crafted.json"), crafted);
    expectOneLine(await sb.run(["decrypt", "crafted.json"]), 2, "crafted.json", /nests maps and lists deeper than \d+ levels at line 2/);
  });

  it("set of a value nested 10,000 levels: exit 7, the file unchanged", async () => {
    writeFileSync(sb.path("s.json"), '{"a": "x"}\n');
    await sb.ok(["encrypt", "-i", "--age", recipient, "s.json"]);
    const before = readFileSync(sb.path("s.json"), "utf8");
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const r = await sb.run(["set", "s.json", '["b"]', deep]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/nests maps and lists deeper than/);
    expect(r.stderr).not.toMatch(/RangeError|internal error/);
    expect(readFileSync(sb.path("s.json"), "utf8")).toBe(before);
  });
});

describe("plaintext YAML errors (issue 17)", () => {
  it("encrypt names the file, the line and column, and what was expected; never the text", async () => {
    writeFileSync(sb.path("typo.yaml"), 'user: app\npassword: "pw-77ab\n');
    const r = await sb.run(["encrypt", "--age", recipient, "typo.yaml"]);
    expectOneLine(r, 2, "typo.yaml", /invalid YAML at line 2, column 11: expected a closing " for the string that opens here$/);
    expect(r.stderr).not.toContain("pw-77ab");
  });
});
