import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";

/** sops' command forms and flags that scripts use (issue #17), through the real dist/cli.js. */

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

const PLAIN = "db:\n    password: s3cr3t\napi_token: tok_123\nreplicas: 3\nratio: 0.75\nenabled: true\n";

async function encrypted(): Promise<string> {
  const recipient = (await sb.ok(["keygen"])).trim();
  await sb.ok(["init"]);
  writeFileSync(sb.path("app.yaml"), PLAIN);
  await sb.ok(["encrypt", "-i", "--age", recipient, "app.yaml"]);
  return recipient;
}

const dataKeyOf = (text: string) => /enc: \|\n([\s\S]*?END AGE ENCRYPTED FILE-----)/.exec(text)?.[1];

describe("rotate, as sops: stdout unless -i", () => {
  it("prints the rotated file and leaves the file alone; -i rewrites it", async () => {
    await encrypted();
    const before = readFileSync(sb.path("app.yaml"), "utf8");
    const out = await sb.ok(["rotate", "app.yaml"]);
    expect(readFileSync(sb.path("app.yaml"), "utf8")).toBe(before);
    expect(out).toContain("sops:");
    expect(dataKeyOf(out)).not.toBe(dataKeyOf(before));
    writeFileSync(sb.path("rotated.yaml"), out);
    expect(await sb.ok(["decrypt", "rotated.yaml"])).toBe(PLAIN);
    await sb.ok(["rotate", "--output", "out.yaml", "app.yaml"]);
    expect(await sb.ok(["decrypt", "out.yaml"])).toBe(PLAIN);
    await sb.ok(["rotate", "-i", "app.yaml"]);
    expect(dataKeyOf(readFileSync(sb.path("app.yaml"), "utf8"))).not.toBe(dataKeyOf(before));
    expect(await sb.ok(["decrypt", "app.yaml"])).toBe(PLAIN);
  });

  it("refuses several files without -i, and -i with --output (exit 8)", async () => {
    await encrypted();
    expect((await sb.run(["rotate", "app.yaml", "app.yaml"])).code).toBe(1);
    expect((await sb.run(["rotate", "-i", "--output", "x.yaml", "app.yaml"])).code).toBe(8);
  });
});

describe("decrypt -i, the legacy forms, version", () => {
  it("decrypt -i replaces the file with its plaintext, mode 0600", async () => {
    await encrypted();
    await sb.ok(["decrypt", "-i", "app.yaml"]);
    expect(readFileSync(sb.path("app.yaml"), "utf8")).toBe(PLAIN);
    expect((await import("node:fs")).statSync(sb.path("app.yaml")).mode & 0o777).toBe(0o600);
    expect((await sb.run(["decrypt", "-i", "--output", "x", "app.yaml"])).code).toBe(8);
  });

  it("secrets -e -i FILE, secrets -d FILE, secrets -r -i FILE, secrets -d --extract", async () => {
    const recipient = (await sb.ok(["keygen"])).trim();
    await sb.ok(["init"]);
    writeFileSync(sb.path("app.yaml"), PLAIN);
    await sb.ok(["-e", "-i", "--age", recipient, "app.yaml"]);
    expect(readFileSync(sb.path("app.yaml"), "utf8")).toContain("ENC[AES256_GCM");
    expect(await sb.ok(["-d", "app.yaml"])).toBe(PLAIN);
    expect(await sb.ok(["--decrypt", "--extract", '["db"]["password"]', "app.yaml"])).toBe("s3cr3t");
    const before = readFileSync(sb.path("app.yaml"), "utf8");
    await sb.ok(["-r", "-i", "app.yaml"]);
    expect(dataKeyOf(readFileSync(sb.path("app.yaml"), "utf8"))).not.toBe(dataKeyOf(before));
    const both = await sb.run(["-d", "-e", "app.yaml"]);
    expect(both.code).toBe(8);
  });

  it("secrets FILE is secrets edit FILE", async () => {
    await encrypted();
    const editor = sb.path("editor.sh");
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/tok_123/tok_456/" "$1"\n');
    chmodSync(editor, 0o755);
    await sb.ok(["app.yaml"], { env: { EDITOR: editor } });
    expect(await sb.ok(["get", "app.yaml", "api_token"])).toBe("tok_456");
    // Not a file and no dot or slash: still commander's unknown command, not an edit.
    expect((await sb.run(["decrpyt"])).stderr).toContain("unknown command");
  });

  it("version is a command printing what --version prints", async () => {
    expect(await sb.ok(["version"])).toBe(await sb.ok(["--version"]));
    expect(await sb.ok(["version"])).toMatch(/^secrets \d+\.\d+\.\d+/);
  });
});

describe("set --value-file, --value-stdin (JSON, as sops), --raw, --indent", () => {
  it("takes the value's JSON from a file or stdin; --raw takes the text", async () => {
    await encrypted();
    writeFileSync(sb.path("v.json"), '{"user":"u","port":5432}');
    await sb.ok(["set", "--value-file", "app.yaml", '["db"]["conn"]', "v.json"]);
    expect(await sb.ok(["get", "app.yaml", "db.conn.port"])).toBe("5432");
    await sb.ok(["set", "--value-stdin", "app.yaml", "api_token"], { input: '"from-stdin"' });
    expect(await sb.ok(["get", "app.yaml", "api_token"])).toBe("from-stdin");
    const notJson = await sb.run(["set", "--value-stdin", "app.yaml", "api_token"], { input: "bare text" });
    expect(notJson.code).toBe(7);
    await sb.ok(["set", "--raw", "--value-stdin", "app.yaml", "api_token"], { input: "bare text" });
    expect(await sb.ok(["get", "app.yaml", "api_token"])).toBe("bare text");
    expect((await sb.run(["set", "--value-file", "--value-stdin", "app.yaml", "x", "v.json"])).code).toBe(8);
  });

  it("--indent N sets the output indent of decrypt, encrypt and set", async () => {
    await encrypted();
    expect(await sb.ok(["decrypt", "--indent", "2", "app.yaml"])).toContain("db:\n  password: s3cr3t\n");
    expect(await sb.ok(["decrypt", "--indent", "2", "--output-type", "json", "app.yaml"])).toContain('{\n  "db": {\n    "password"');
    await sb.ok(["set", "--indent", "2", "app.yaml", "replicas", "4"]);
    expect(readFileSync(sb.path("app.yaml"), "utf8")).toMatch(/^db:\n  password: ENC/);
    expect((await sb.run(["decrypt", "--indent", "two", "app.yaml"])).code).toBe(1);
  });
});

describe("exec-env and exec-file, as sops", () => {
  it("exec-env: top-level values as variables, through /bin/sh -c, exit status passed through", async () => {
    const recipient = (await sb.ok(["keygen"])).trim();
    await sb.ok(["init"]);
    writeFileSync(sb.path("app.env"), "API_TOKEN=tok_123\nLOG_LEVEL=debug\n");
    await sb.ok(["encrypt", "-i", "--age", recipient, "app.env"]);
    const r = await sb.run(["exec-env", "app.env", 'printf "%s|%s" "$API_TOKEN" "$LOG_LEVEL"; exit 7']);
    expect(r.stdout).toBe("tok_123|debug");
    expect(r.code).toBe(7);
    const pristine = await sb.ok(["exec-env", "--pristine", "app.env", "env"]);
    expect(pristine).toContain("API_TOKEN=tok_123");
    expect(pristine).not.toContain("HOME=");
    // The command does not get the means to decrypt the rest (unless --keep-key-env).
    const keyVar = await sb.ok(["exec-env", "app.env", 'printf %s "${SOPS_AGE_KEY_FILE:-none}"'], { env: { SOPS_AGE_KEY_FILE: `${sb.dir}/config/sops/age/keys.txt` } });
    expect(keyVar).toBe("none");
  });

  it("exec-env refuses nested values (exit 1) and prints scalars as sops does", async () => {
    await encrypted();
    const r = await sb.run(["exec-env", "app.yaml", "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("offending key db");
    await sb.ok(["unset", "app.yaml", "db"]);
    expect(await sb.ok(["exec-env", "app.yaml", 'printf "%s %s %s" "$replicas" "$ratio" "$enabled"'])).toBe("3 0.75 true");
  });

  it("exec-file: {} is a FIFO by default, a 0600 file with --no-fifo; both gone afterwards", async () => {
    await encrypted();
    const fifo = await sb.ok(["exec-file", "app.yaml", 'test -p {} && cat {}']);
    expect(fifo).toBe(PLAIN);
    const file = await sb.ok(["exec-file", "--no-fifo", "--filename", "x.json", "--output-type", "json", "app.yaml", 'stat -c %a {}; basename {}; cat {} >/dev/null; cat {} | head -c 1']);
    expect(file).toBe("600\nx.json\n{");
    // A command that never reads the FIFO does not hang the CLI.
    const r = await sb.run(["exec-file", "app.yaml", "exit 3"]);
    expect(r.code).toBe(3);
    expect(readdirSync(sb.tmp).filter((n) => n.startsWith("secrets-exec-"))).toEqual([]);
  });

  it("exec-file: a SIGTERM reaches the command, and the plaintext is removed", async () => {
    await encrypted();
    const child = spawn(process.execPath, [CLI, "exec-file", "--no-fifo", "app.yaml", "echo {}; sleep 30"], { cwd: sb.repo, env: sb.env });
    const path = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
    expect(readFileSync(path, "utf8")).toBe(PLAIN);
    const code = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    child.kill("SIGTERM");
    expect(await code).toBe(143);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(sb.tmp).filter((n) => n.startsWith("secrets-exec-"))).toEqual([]);
  });
});

describe("exec-file after a SIGKILL", () => {
  it("the folder a killed run left (plaintext with --no-fifo) is removed by the next exec-file, which says so", async () => {
    await encrypted();
    // Its own process group, so that the kill reaches the command as well and leaves nothing running.
    const child = spawn(process.execPath, [CLI, "exec-file", "--no-fifo", "app.yaml", "echo {}; sleep 30"], { cwd: sb.repo, env: sb.env, detached: true });
    const path = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
    const gone = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    process.kill(-child.pid!, "SIGKILL");
    await gone;
    expect(readFileSync(path, "utf8")).toBe(PLAIN);
    const r = await sb.run(["exec-file", "app.yaml", "true"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("secrets: removed a stale exec-file folder of a killed run: ");
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(sb.tmp).filter((n) => n.startsWith("secrets-exec-"))).toEqual([]);
  });
});

describe("sops' environment variables, listed in --help and honoured", () => {
  it("--help lists each", async () => {
    const help = await sb.ok(["--help"]);
    for (const v of ["SOPS_AGE_KEY ", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_AGE_RECIPIENTS", "SOPS_CONFIG", "SOPS_EDITOR, EDITOR"]) expect(help).toContain(v);
    // sops' other variables are named too, as not used, so a script relying on one learns why nothing happens.
    for (const v of ["SOPS_PGP_FP", "SOPS_GPG_EXEC", "SOPS_KMS_ARN", "SOPS_GCP_KMS_IDS", "SOPS_AZURE_KEYVAULT_URLS", "SOPS_VAULT_URIS", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_DECRYPTION_ORDER", "SOPS_DISABLE_VERSION_CHECK"]) {
      expect(help).toContain(v);
    }
  });

  it("SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD each open the file; SOPS_AGE_RECIPIENTS encrypts; SOPS_CONFIG picks the config; SOPS_EDITOR beats EDITOR", async () => {
    const recipient = (await sb.ok(["keygen", "-o", sb.path("k.txt")])).trim();
    writeFileSync(sb.path("app.yaml"), PLAIN);
    const noDefault = { XDG_CONFIG_HOME: sb.path("none"), HOME: sb.path("none") };
    await sb.ok(["encrypt", "-i", "app.yaml"], { env: { ...noDefault, SOPS_AGE_RECIPIENTS: recipient } });
    expect((await sb.run(["decrypt", "app.yaml"], { env: noDefault })).code).toBe(128);
    const key = readFileSync(sb.path("k.txt"), "utf8");
    expect(await sb.ok(["decrypt", "app.yaml"], { env: { ...noDefault, SOPS_AGE_KEY: key } })).toBe(PLAIN);
    expect(await sb.ok(["decrypt", "app.yaml"], { env: { ...noDefault, SOPS_AGE_KEY_FILE: sb.path("k.txt") } })).toBe(PLAIN);
    expect(await sb.ok(["decrypt", "app.yaml"], { env: { ...noDefault, SOPS_AGE_KEY_CMD: `cat ${sb.path("k.txt")}` } })).toBe(PLAIN);
    // SOPS_CONFIG: a config elsewhere whose rule encrypts new files to the recipient.
    writeFileSync(sb.path("other.sops.yaml"), `creation_rules:\n  - age: ${recipient}\n`);
    writeFileSync(sb.path("b.yaml"), "a: 1\n");
    expect((await sb.run(["encrypt", "b.yaml"], { env: noDefault })).code).not.toBe(0);
    expect(await sb.ok(["encrypt", "b.yaml"], { env: { ...noDefault, SOPS_CONFIG: sb.path("other.sops.yaml") } })).toContain(recipient);
    const mark = (name: string) => {
      const p = sb.path(`${name}.sh`);
      writeFileSync(p, `#!/bin/sh\nsed -i "s/tok_123/${name}/" "$1"\n`);
      chmodSync(p, 0o755);
      return p;
    };
    await sb.ok(["edit", "app.yaml"], { env: { SOPS_AGE_KEY_FILE: sb.path("k.txt"), SOPS_EDITOR: mark("sopseditor"), EDITOR: mark("editor") } });
    expect(await sb.ok(["get", "app.yaml", "api_token"], { env: { SOPS_AGE_KEY_FILE: sb.path("k.txt") } })).toBe("sopseditor");
  });
});
