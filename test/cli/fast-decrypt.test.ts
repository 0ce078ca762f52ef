import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFastDecrypt } from "../../src/cli/fast-decrypt.js";
import { ROOT, Sandbox } from "../helpers/cli.js";

/**
 * `secrets decrypt` skips commander for the lines it fully understands. The parser must give
 * commander everything else, and both routes must give the same bytes and exit codes.
 */

describe("parseFastDecrypt", () => {
  it("takes `decrypt FILE` with the command's own options, in any order, space or = forms", () => {
    expect(parseFastDecrypt(["decrypt", "a.yaml"])).toEqual({ file: "a.yaml", options: {} });
    expect(parseFastDecrypt(["decrypt", "--extract", '["a"]', "a.yaml", "--output-type=json", "--ignore-mac", "--output", "o", "--input-type", "yaml"])).toEqual({
      file: "a.yaml",
      options: { extract: '["a"]', outputType: "json", ignoreMac: true, output: "o", inputType: "yaml" },
    });
    expect(parseFastDecrypt(["decrypt", "--extract=", "a.yaml"])).toEqual({ file: "a.yaml", options: { extract: "" } });
  });

  it("leaves to commander: other commands, help, unknown/repeated options, no file or two, `--`, `-`, a value that looks like an option", () => {
    for (const argv of [
      [],
      ["encrypt", "a.yaml"],
      ["decrypt"],
      ["decrypt", "--help"],
      ["decrypt", "-h", "a.yaml"],
      ["decrypt", "a.yaml", "b.yaml"],
      ["decrypt", "--", "a.yaml"],
      ["decrypt", "-"],
      ["decrypt", "--age", "x", "a.yaml"],
      ["decrypt", "--ignore-mac", "--ignore-mac", "a.yaml"],
      ["decrypt", "--output", "o", "--output=p", "a.yaml"],
      ["decrypt", "a.yaml", "--output"],
      ["decrypt", "--output", "--ignore-mac", "a.yaml"],
      ["decrypt", "-V"],
    ]) {
      expect(parseFastDecrypt(argv), argv.join(" ")).toBeNull();
    }
  });
});

describe("decrypt: fast route and commander route agree", () => {
  const sb = new Sandbox();
  beforeAll(async () => {
    const recipient = (await sb.ok(["keygen"])).trim();
    writeFileSync(sb.path("app.yaml"), "db:\n    password: s3cr3t\n    port: 5432\n");
    await sb.ok(["encrypt", "-i", "--age", recipient, "app.yaml"]);
    writeFileSync(sb.path("bad.yaml"), "a: [\n");
  });
  afterAll(() => sb.cleanup());

  // `--` after the options sends the same request through commander (the fast parser refuses it).
  const viaCommander = (argv: string[]) => [...argv.slice(0, -1), "--", argv.at(-1)!];

  it("same stdout, stderr and exit code, success and failure alike", async () => {
    for (const argv of [
      ["decrypt", "app.yaml"],
      ["decrypt", "--output-type", "json", "app.yaml"],
      ["decrypt", "--extract", '["db"]["password"]', "app.yaml"],
      ["decrypt", "--extract", '["db"]["nope"]', "app.yaml"],
      ["decrypt", "missing.yaml"],
      ["decrypt", "bad.yaml"],
    ]) {
      const [fast, slow] = [await sb.run(argv), await sb.run(viaCommander(argv))];
      expect(fast, argv.join(" ")).toEqual(slow);
    }
    expect((await sb.run(["decrypt", "app.yaml"])).stdout).toContain("password: s3cr3t");
    expect((await sb.run(["decrypt", "missing.yaml"])).code).not.toBe(0);
  });

  it("the fast route loads neither commander's child_process nor readline, fs/promises or net (stdout is written to fd 1)", async () => {
    const probe = sb.path("probe.cjs");
    // The list is taken before anything touches process.stderr (a pipe's stream loads net).
    writeFileSync(probe, `process.on("exit", () => { const l = process.moduleLoadList.filter((m) => /^NativeModule (child_process|readline|fs\\/promises|net)$/.test(m)); require("fs").writeSync(2, "LOADED " + l.join(",") + "\\n"); });`);
    const fast = await sb.run(["decrypt", "app.yaml"], { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(fast.code).toBe(0);
    expect(fast.stderr).toBe("LOADED \n");
    // The probe can see them: the commander route loads child_process.
    const slow = await sb.run(["decrypt", "--", "app.yaml"], { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(slow.stderr).toMatch(/LOADED .*child_process/);
  });

  it("no command starts Node's ESM loader: dist/cli.js and its bundles are CommonJS", async () => {
    const probe = sb.path("probe-esm.cjs");
    writeFileSync(probe, `process.on("exit", () => require("fs").writeSync(2, "ESM " + process.moduleLoadList.includes("NativeModule internal/modules/esm/loader") + "\\n"));`);
    const env = { NODE_OPTIONS: `--require ${probe}` };
    for (const argv of [["decrypt", "app.yaml"], ["--version"], ["filestatus", "app.yaml"], ["decrypt", "--", "app.yaml"]]) {
      expect(await sb.run(argv, { env }), argv.join(" ")).toMatchObject({ code: 0, stderr: "ESM false\n" });
    }
    // The probe can see it: an ES module starts it.
    const esm = spawnSync(process.execPath, ["--require", probe, "--input-type=module", "-e", "0"], { encoding: "utf8" });
    expect(esm.stderr).toBe("ESM true\n");
  });

  it("a code cache written during a decrypt holds none of the file's values", async () => {
    // A copy of dist/, so that the real cache stays the build's.
    const dist = join(sb.dir, "dist-copy");
    cpSync(join(ROOT, "dist"), dist, { recursive: true });
    const secret = "zq-unique-Secret-7f3a91";
    const recipient = (await sb.ok(["keygen"])).trim();
    writeFileSync(sb.path("unique.yaml"), `token: ${secret}\nnested:\n    list:\n        - ${secret}-item\n`);
    await sb.ok(["encrypt", "-i", "--age", recipient, "unique.yaml"]);
    const caches = () => readdirSync(join(dist, "chunks")).filter((f) => f.endsWith(".cache"));
    for (const f of caches()) rmSync(join(dist, "chunks", f));
    const r = spawnSync(process.execPath, [join(dist, "cli.js"), "decrypt", "unique.yaml"], { cwd: sb.repo, env: { ...sb.env, SECRETS_CODE_CACHE: "write" }, encoding: "utf8" });
    expect(r.stdout).toContain(secret);
    expect(caches()).toHaveLength(1);
    const cache = readFileSync(join(dist, "chunks", caches()[0]!));
    for (const needle of [secret, "7f3a91"]) {
      expect(cache.includes(Buffer.from(needle, "latin1"))).toBe(false);
      expect(cache.includes(Buffer.from(needle, "utf16le"))).toBe(false);
    }
    // The check can see text: the cache holds our own source's strings.
    expect(cache.includes(Buffer.from("malformed encrypted value at ", "latin1"))).toBe(true);
  });

  it("runs the decrypt route (and the program) with the V8 code cache the build wrote, to the same bytes as without", async () => {
    const cached = await sb.run(["decrypt", "app.yaml"], { env: { SECRETS_DEBUG: "1" } });
    expect(cached.stderr).toBe("secrets: code cache used\n");
    const uncached = await sb.run(["decrypt", "app.yaml"], { env: { SECRETS_DEBUG: "1", SECRETS_CODE_CACHE: "off" } });
    expect(uncached.stderr).toBe("secrets: code cache off\n");
    expect(cached.stdout).toBe(uncached.stdout);
    expect(cached.stdout).toContain("password: s3cr3t");
    // The commander program has its own bundle and cache.
    expect(await sb.run(["filestatus", "app.yaml"], { env: { SECRETS_DEBUG: "1" } })).toEqual({ code: 0, stdout: '{"encrypted":true}\n', stderr: "secrets: code cache used\n" });
  });
});
