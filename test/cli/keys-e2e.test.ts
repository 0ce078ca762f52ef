import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";

/** Post-quantum keys and Shamir key groups, end to end (the edit loop on a terminal: test/cli/tty.interop.test.ts). */

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

// (a key like `n` would come back as `"n"`: go-yaml quotes YAML 1.1 booleans, and so do we)
const PLAIN = "token: pq-protected-value\nnested:\n    count: 42\n";

describe("post-quantum hybrid keys", () => {
  it("keygen --pq, encrypt to age1pq1…, decrypt with the PQ identity", async () => {
    const r = (await sb.ok(["keygen", "--pq"])).trim();
    expect(r).toMatch(/^age1pq1/);
    writeFileSync(sb.path("a.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "--age", r, "a.yaml"]);
    const text = readFileSync(sb.path("a.yaml"), "utf8");
    expect(text).toContain(`recipient: ${r}`);
    expect(await sb.ok(["decrypt", "a.yaml"])).toBe(PLAIN);
  });
});

describe("key groups with a Shamir threshold", () => {
  it("2-of-3 groups: any two keys open the file, one alone does not", async () => {
    const keyFiles = ["k1.txt", "k2.txt", "k3.txt"].map((f) => sb.path(f));
    const rs: string[] = [];
    for (const f of keyFiles) rs.push((await sb.ok(["keygen", "-o", f])).trim());
    writeFileSync(
      sb.path(".sops.yaml"),
      `creation_rules:\n  - path_regex: secrets/\n    shamir_threshold: 2\n    key_groups:\n${rs.map((r) => `      - age:\n          - ${r}\n`).join("")}`,
    );
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/s.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "secrets/s.yaml"]);
    const text = readFileSync(sb.path("secrets/s.yaml"), "utf8");
    expect(text).toContain("key_groups:");
    expect(text).toContain("shamir_threshold: 2");
    const none = { XDG_CONFIG_HOME: sb.path("no-config") };
    const withKeys = (...i: number[]) => ({ ...none, SOPS_AGE_KEY: i.map((j) => readFileSync(keyFiles[j]!, "utf8")).join("\n") });
    for (const pair of [[0, 1], [1, 2], [0, 2]]) {
      expect(await sb.ok(["decrypt", "secrets/s.yaml"], { env: withKeys(...pair) })).toBe(PLAIN);
    }
    const one = await sb.run(["decrypt", "secrets/s.yaml"], { env: withKeys(1) });
    expect(one.code).toBe(128);
    expect(one.stderr).toMatch(/opened 1 of the 2 key groups needed/);
  });
});

describe("keygen onto an existing key file", () => {
  it("refuses a group/world-readable key file (0644): exit 3, nothing added, mode unchanged", async () => {
    const file = join(sb.dir, "keys.txt");
    writeFileSync(file, "# someone's old key file\n");
    chmodSync(file, 0o644);
    const r = await sb.run(["keygen", "-o", file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`secrets: ${file}: the age key file is readable by others (mode 0644); refusing to add a secret key to it: run \`chmod 600 ${file}\` first (the keys already in it may have been exposed)\n`);
    expect(r.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toBe("# someone's old key file\n");
    expect(statSync(file).mode & 0o777).toBe(0o644);
    chmodSync(file, 0o600);
    await sb.ok(["keygen", "-o", file]);
    expect(readFileSync(file, "utf8")).toMatch(/AGE-SECRET-KEY-1/);
  });
});
