import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";

/** Post-quantum keys, Shamir key groups and the edit loop on a real terminal, end to end. */

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

describe("edit on a terminal", () => {
  it("invalid YAML re-opens the editor after Enter; the second, valid edit is saved", async () => {
    await sb.ok(["keygen"]);
    writeFileSync(sb.path("a.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "--age", readFileSync(join(sb.dir, "config/sops/age/keys.txt"), "utf8").match(/public key: (\S+)/)![1]!, "a.yaml"]);
    // An editor that writes broken YAML the first time and a valid change the second time.
    const editor = join(sb.dir, "editor.mjs");
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync, existsSync } from "node:fs";
const f = process.argv[2], mark = process.env.EDIT_MARK;
if (!existsSync(mark)) { writeFileSync(mark, "1"); writeFileSync(f, "token: [unclosed\\n"); }
else writeFileSync(f, readFileSync(f, "utf8").replace("[unclosed", "edited-on-second-try"));
`,
    );
    const env = { ...sb.env, SOPS_EDITOR: `${process.execPath} ${editor}`, EDIT_MARK: join(sb.dir, "mark") };
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} edit a.yaml`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: sb.repo, env, input: "\n", encoding: "utf8", timeout: 30_000 });
    expect(r.stdout).toMatch(/invalid YAML at line \d+/);
    expect(r.stdout).toMatch(/Press Enter to return to the editor/);
    expect(await sb.ok(["get", "a.yaml", "token"])).toBe("edited-on-second-try");
    expect(spawnSync("ls", ["-A", sb.tmp], { encoding: "utf8" }).stdout).toBe("");
  });
});
