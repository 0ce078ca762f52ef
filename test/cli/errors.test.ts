import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, Sandbox, type RunResult } from "../helpers/cli.js";

/**
 * Bad input of every kind: a one-line error naming the file and the problem, the documented exit
 * code, no stack trace, no secret value anywhere, and the file on disk left as it was.
 */

const SECRET = "hunter2-VERY-secret";
const PLAIN = `db:\n    password: ${SECRET}\n    user: admin-${SECRET}\nkeep_unencrypted: clear\n`;

let sb: Sandbox;
let good: string;

beforeAll(async () => {
  sb = new Sandbox();
  const r = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path("good.yaml"), PLAIN);
  await sb.ok(["encrypt", "-i", "--age", r, "good.yaml"]);
  good = readFileSync(sb.path("good.yaml"), "utf8");
});
afterAll(() => sb.cleanup());

function expectCleanFailure(r: RunResult, code: number, file: string, re?: RegExp): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^secrets: /);
  expect(lines[0]).toContain(file);
  if (re) expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|node:internal/);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  expect(r.stdout + r.stderr).not.toContain("hunter2");
}

async function decryptVariant(name: string, text: string | Buffer): Promise<RunResult> {
  writeFileSync(sb.path(name), text);
  return sb.run(["decrypt", name]);
}

describe("decrypt refuses bad input cleanly", () => {
  it("a missing file: exit 100", async () => {
    expectCleanFailure(await sb.run(["decrypt", "nope.yaml"]), 100, "nope.yaml", /no such file/);
  });

  it("a tampered value: exit 25, the key path named", async () => {
    const enc = good.match(/password: ENC\[AES256_GCM,data:([^,]+)/)![1]!;
    const flipped = enc.startsWith("A") ? "B" + enc.slice(1) : "A" + enc.slice(1);
    expectCleanFailure(await decryptVariant("t1.yaml", good.replace(enc, flipped)), 25, "t1.yaml", /\["db"\]\["password"\]/);
  });

  it("a truncated ENC[…] value: exit 25", async () => {
    expectCleanFailure(await decryptVariant("t2.yaml", good.replace(/(password: ENC\[AES256_GCM,data:[^,]+),iv:[^\]]+\]/, "$1")), 25, "t2.yaml");
  });

  it("a missing MAC, a corrupt MAC, an edited clear value, an edited lastmodified: exit 51", async () => {
    expectCleanFailure(await decryptVariant("m1.yaml", good.replace(/^    mac: .*\n/m, "")), 51, "m1.yaml", /no MAC/);
    expectCleanFailure(await decryptVariant("m2.yaml", good.replace(/mac: ENC\[AES256_GCM,data:(.)/, (_m, c) => `mac: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`)), 51, "m2.yaml");
    expectCleanFailure(await decryptVariant("m3.yaml", good.replace("keep_unencrypted: clear", "keep_unencrypted: other")), 51, "m3.yaml", /MAC mismatch/);
    expectCleanFailure(await decryptVariant("m4.yaml", good.replace(/lastmodified: "[^"]+"/, 'lastmodified: "2001-01-01T00:00:00Z"')), 51, "m4.yaml");
    // --ignore-mac decrypts anyway (sops' escape hatch)
    const r = await sb.run(["decrypt", "--ignore-mac", "m3.yaml"]);
    expect(r.code).toBe(0);
  });

  it("malformed YAML, an empty file, binary junk, a plaintext file, an alias bomb", async () => {
    expectCleanFailure(await decryptVariant("b1.yaml", good.replace("db:\n", "db: [\n")), 2, "b1.yaml", /line \d+/);
    expectCleanFailure(await decryptVariant("b2.yaml", ""), 2, "b2.yaml", /empty/);
    expectCleanFailure(await decryptVariant("b3.yaml", Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x9c, 0x10, 0x00, 0xc3])), 2, "b3.yaml");
    expectCleanFailure(await decryptVariant("b4.yaml", PLAIN), 1, "b4.yaml", /not encrypted/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`)].join("\n");
    const t0 = Date.now();
    expectCleanFailure(await decryptVariant("b5.yaml", bomb + "\n"), 2, "b5.yaml", /alias/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expectCleanFailure(await decryptVariant("b6.json", '{"a": "x", '), 2, "b6.json");
  });

  it("malformed metadata: exit 1 with what is wrong", async () => {
    expectCleanFailure(await decryptVariant("md1.yaml", good.replace(/^    lastmodified: .*\n/m, "")), 1, "md1.yaml", /lastmodified/);
    expectCleanFailure(await decryptVariant("md2.yaml", good.replace(/^sops:\n(    .*\n|        .*\n|            .*\n)*/m, "sops: 3\n")), 1, "md2.yaml", /metadata/);
  });

  it("no identity can open the data key: exit 128", async () => {
    const other = new Sandbox({ git: false });
    try {
      writeFileSync(other.path("good.yaml"), good);
      await other.ok(["keygen"]);
      expectCleanFailure(await other.run(["decrypt", "good.yaml"]), 128, "good.yaml", /no identity could decrypt/);
    } finally {
      other.cleanup();
    }
  });
});

describe("writes keep the old file on failure", () => {
  it("set on a tampered file fails (MAC) and leaves it byte for byte", async () => {
    const tampered = good.replace("keep_unencrypted: clear", "keep_unencrypted: other");
    writeFileSync(sb.path("w1.yaml"), tampered);
    expectCleanFailure(await sb.run(["set", "w1.yaml", "db.password", '"x"']), 51, "w1.yaml");
    expect(readFileSync(sb.path("w1.yaml"), "utf8")).toBe(tampered);
  });

  it("set with a value that is not JSON: exit 7, the value not echoed, file untouched", async () => {
    writeFileSync(sb.path("w2.yaml"), good);
    const r = await sb.run(["set", "w2.yaml", "db.password", `not-json-${SECRET}`]);
    expectCleanFailure(r, 7, "", /JSON/);
    expect(readFileSync(sb.path("w2.yaml"), "utf8")).toBe(good);
  });

  it("encrypting an already encrypted file: exit 203; an empty one: exit 92", async () => {
    expectCleanFailure(await sb.run(["encrypt", "--age", "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", "good.yaml"]), 203, "good.yaml");
    writeFileSync(sb.path("empty.yaml"), "");
    expectCleanFailure(await sb.run(["encrypt", "--age", "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", "empty.yaml"]), 92, "empty.yaml");
  });

  it("encrypting with no rule and no recipients, or to a malformed recipient, fails before writing", async () => {
    writeFileSync(sb.path("p.yaml"), PLAIN);
    const r1 = await sb.run(["encrypt", "-i", "p.yaml"]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/secrets init|--age/);
    const r2 = await sb.run(["encrypt", "-i", "--age", "age1notarecipient", "p.yaml"]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(sb.path("p.yaml"), "utf8")).toBe(PLAIN);
  });
});

describe("a broken install", () => {
  it("a bundle file missing: one line and exit 1, not Node's stack trace (decrypt route and the others)", async () => {
    // A copy of dist/ without the decrypt route's bundle and the commander program.
    const dist = join(sb.dir, "broken-dist");
    cpSync(join(ROOT, "dist"), dist, { recursive: true });
    for (const f of readdirSync(join(dist, "chunks"))) if (/^(decrypt-route|program)-\w+\.cjs$/.test(f)) rmSync(join(dist, "chunks", f));
    for (const argv of [["decrypt", "good.yaml"], ["filestatus", "good.yaml"]]) {
      const r = spawnSync(process.execPath, [join(dist, "cli.js"), ...argv], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
      expect(r.status, argv[0]).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("secrets: cannot load its own code (ENOENT): reinstall gitops-secrets\n");
    }
  });
});
