import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/** The main job end to end, through the real `dist/cli.js`, in temporary git repos. */

const PLAIN = `# Database credentials
db:
    host: db.internal
    user: app
    password: s3cr3t-passw0rd
api_token: tok_live_1234567890
replicas: 3
enabled: true
ratio: 0.75
`;
const VALUES = ["s3cr3t-passw0rd", "tok_live_1234567890", "db.internal"];

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

async function setupRepo(): Promise<string> {
  const recipient = (await sb.ok(["keygen"])).trim();
  await sb.ok(["init"]);
  writeFileSync(sb.path("app.yaml"), PLAIN);
  return recipient;
}

describe("keygen, init, encrypt, decrypt", () => {
  it("keygen writes a 0600 key file and prints only the recipient", async () => {
    const r = await sb.run(["keygen"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^age1[0-9a-z]{58}\n$/);
    const keyFile = `${sb.dir}/config/sops/age/keys.txt`;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(keyFile, "utf8").match(/AGE-SECRET-KEY-1\S+/)![0];
    expect(r.stdout + r.stderr).not.toContain(secret);
    const pq = await sb.run(["keygen", "--pq", "-o", sb.path("pq.txt")]);
    expect(pq.stdout).toMatch(/^age1pq1/);
  });

  it("init writes a .sops.yaml whose rule covers secrets/ for my key", async () => {
    const recipient = await setupRepo();
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    expect(cfg).toContain(recipient);
    expect((await sb.run(["init"])).code).not.toBe(0); // refuses to overwrite
  });

  it("encrypts under secrets/ by the rule, decrypts back to the same YAML, filestatus tells them apart", async () => {
    await setupRepo();
    await sb.ok(["keygen"]); // a second identity in the same key file: all are tried
    // A file under secrets/: the recipient comes from the .sops.yaml rule.
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/app.yaml"), PLAIN);
    expect(JSON.parse(await sb.ok(["filestatus", "secrets/app.yaml"]))).toEqual({ encrypted: false });
    await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
    const enc = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    for (const v of VALUES) expect(enc).not.toContain(v);
    expect(enc).toMatch(/^sops:\n    age:\n        - enc: \|\n            -----BEGIN AGE ENCRYPTED FILE-----/m);
    expect(enc).toMatch(/^    version: 3\.13\.2$/m);
    expect(JSON.parse(await sb.ok(["filestatus", "secrets/app.yaml"]))).toEqual({ encrypted: true });
    expect(await sb.ok(["decrypt", "secrets/app.yaml"])).toBe(PLAIN);
    const json = JSON.parse(await sb.ok(["decrypt", "--output-type", "json", "secrets/app.yaml"]));
    expect(json).toEqual({ db: { host: "db.internal", user: "app", password: "s3cr3t-passw0rd" }, api_token: "tok_live_1234567890", replicas: 3, enabled: true, ratio: 0.75 });
    expect(await sb.ok(["decrypt", "--extract", '["db"]["password"]', "secrets/app.yaml"])).toBe("s3cr3t-passw0rd");
    expect(await sb.ok(["decrypt", "--extract", '["db"]', "secrets/app.yaml"])).toBe("host: db.internal\nuser: app\npassword: s3cr3t-passw0rd\n");
    expect(await sb.ok(["get", "secrets/app.yaml", "db.user"])).toBe("app");
    expect(await sb.ok(["get", "secrets/app.yaml", "replicas"])).toBe("3");
  });

  it("decrypt --output writes the plaintext with mode 0600", async () => {
    await setupRepo();
    await sb.ok(["encrypt", "-i", "app.yaml", "--age", (await sb.ok(["keygen"])).trim()]);
    await sb.ok(["decrypt", "--output", "plain.yaml", "app.yaml"]);
    expect(readFileSync(sb.path("plain.yaml"), "utf8")).toBe(PLAIN);
    expect(statSync(sb.path("plain.yaml")).mode & 0o777).toBe(0o600);
  });

  it("encrypts every format: JSON, dotenv, INI and binary round-trip", async () => {
    const r = (await sb.ok(["keygen"])).trim();
    const files: Record<string, string> = {
      "a.json": '{\n\t"k": "v",\n\t"n": 1234567890123456789,\n\t"list": [\n\t\t1,\n\t\t"two"\n\t]\n}\n',
      "a.env": "DATABASE_URL=postgres://u:p@h/db\nAPI_KEY=sk-123\n",
      "a.ini": "[db]\npassword = hunter2\n",
      "a.bin": "\u0000\u0001binary\npayload\n",
    };
    for (const [f, content] of Object.entries(files)) {
      writeFileSync(sb.path(f), content);
      await sb.ok(["encrypt", "-i", "--age", r, f]);
      expect(readFileSync(sb.path(f), "utf8")).toContain("ENC[AES256_GCM,");
      expect(await sb.ok(["decrypt", f]), f).toBe(content);
    }
  });
});

describe("set / unset: minimal diffs in git", () => {
  it("set changes exactly one value's ciphertext, lastmodified and the MAC", async () => {
    const r = await setupRepo();
    await sb.ok(["encrypt", "-i", "--age", r, "app.yaml"]);
    sb.git("add", "-A");
    sb.git("commit", "-qm", "init");
    await sb.ok(["set", "app.yaml", '["db"]["password"]', '"n3w-passw0rd"']);
    const diff = sb.git("diff", "-U0", "app.yaml");
    const changed = diff.split("\n").filter((l) => /^[-+]\s/.test(l)).map((l) => l.slice(1).trim().split(":")[0]);
    expect(changed.filter((k) => k !== "lastmodified").sort()).toEqual(["mac", "mac", "password", "password"]);
    expect(diff).not.toContain("n3w-passw0rd");
    expect(await sb.ok(["get", "app.yaml", "db.password"])).toBe("n3w-passw0rd");
  });

  it("set --raw --value-stdin takes raw bytes; set creates missing paths; unset removes; --idempotent", async () => {
    const r = await setupRepo();
    await sb.ok(["encrypt", "-i", "--age", r, "app.yaml"]);
    await sb.ok(["set", "--raw", "app.yaml", "new.nested.key", "--value-stdin"], { input: "line1\nline2 \"quoted\"\n" });
    expect(await sb.ok(["get", "app.yaml", "new.nested.key"])).toBe("line1\nline2 \"quoted\"\n");
    await sb.ok(["set", "app.yaml", "replicas", "5"]);
    expect(await sb.ok(["get", "app.yaml", "replicas"])).toBe("5");
    const before = readFileSync(sb.path("app.yaml"));
    await sb.ok(["set", "--idempotent", "app.yaml", "replicas", "5"]);
    expect(readFileSync(sb.path("app.yaml")).equals(before)).toBe(true);
    await sb.ok(["unset", "app.yaml", '["api_token"]']);
    expect((await sb.run(["get", "app.yaml", "api_token"])).code).not.toBe(0);
    expect((await sb.run(["unset", "app.yaml", "api_token"])).code).not.toBe(0);
    expect((await sb.run(["unset", "--idempotent", "app.yaml", "api_token"])).code).toBe(0);
  });

  it("re-encrypting an edited plaintext onto the existing file keeps unchanged ciphertexts", async () => {
    const r = await setupRepo();
    await sb.ok(["encrypt", "--age", r, "--output", "enc.yaml", "app.yaml"]);
    const first = readFileSync(sb.path("enc.yaml"), "utf8");
    writeFileSync(sb.path("app.yaml"), PLAIN.replace("replicas: 3", "replicas: 4"));
    await sb.ok(["encrypt", "--age", r, "--output", "enc.yaml", "app.yaml"]);
    const second = readFileSync(sb.path("enc.yaml"), "utf8");
    const a = first.split("\n");
    const b = second.split("\n");
    const changed = a.filter((l, i) => l !== b[i]).map((l) => l.trim().split(":")[0]);
    expect(changed.filter((k) => k !== "lastmodified")).toEqual(["replicas", "mac"]);
  });
});

describe("rotate and updatekeys", () => {
  it("rotate gives a new data key: every ciphertext changes, the plaintext does not", async () => {
    const r = await setupRepo();
    await sb.ok(["encrypt", "-i", "--age", r, "app.yaml"]);
    const before = readFileSync(sb.path("app.yaml"), "utf8");
    await sb.ok(["rotate", "-i", "app.yaml"]);
    const after = readFileSync(sb.path("app.yaml"), "utf8");
    const encs = (s: string) => s.match(/ENC\[[^\]]+\]/g)!;
    const b = encs(before);
    const a = encs(after);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).not.toBe(b[i]);
    expect(await sb.ok(["decrypt", "app.yaml"])).toBe(PLAIN);
  });

  it("rotate --add-age / --rm-age change who can read; a removed key no longer opens the file", async () => {
    const me = await setupRepo();
    const bobKey = sb.path("bob.txt");
    const bob = (await sb.ok(["keygen", "-o", bobKey])).trim();
    await sb.ok(["encrypt", "-i", "--age", me, "app.yaml"]);
    const asBob = { SOPS_AGE_KEY_FILE: bobKey, XDG_CONFIG_HOME: sb.path("none") };
    expect((await sb.run(["decrypt", "app.yaml"], { env: asBob })).code).toBe(128);
    await sb.ok(["rotate", "-i", "--add-age", bob, "app.yaml"]);
    expect(await sb.ok(["decrypt", "app.yaml"], { env: asBob })).toBe(PLAIN);
    await sb.ok(["rotate", "-i", "--rm-age", bob, "app.yaml"]);
    expect((await sb.run(["decrypt", "app.yaml"], { env: asBob })).code).toBe(128);
  });

  it("updatekeys re-wraps to the rule's recipients without touching values or the MAC", async () => {
    await setupRepo();
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/app.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const bobKey = sb.path("bob.txt");
    const bob = (await sb.ok(["keygen", "-o", bobKey])).trim();
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    writeFileSync(sb.path(".sops.yaml"), cfg.replace(/(- &me age1\S+)/, `$1\n  - &bob ${bob}`).replace(/( *)- \*me\n/, "$1- *me\n$1- *bob\n"));
    expect(readFileSync(sb.path(".sops.yaml"), "utf8")).toContain("*bob");
    expect((await sb.run(["updatekeys", "secrets/app.yaml"])).code).not.toBe(0); // no TTY, no --yes
    await sb.ok(["updatekeys", "-y", "secrets/app.yaml"]);
    const after = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const values = (s: string) => s.split("sops:")[0];
    expect(values(after)).toBe(values(before));
    expect(after.match(/mac: .*/)![0]).toBe(before.match(/mac: .*/)![0]);
    expect(await sb.ok(["decrypt", "secrets/app.yaml"], { env: { SOPS_AGE_KEY_FILE: bobKey, XDG_CONFIG_HOME: sb.path("none") } })).toBe(PLAIN);
    const again = await sb.run(["updatekeys", "-y", "secrets/app.yaml"]);
    expect(again.stderr).toContain("already up to date");
  });
});

describe("help", () => {
  it("every command has --help with an example", async () => {
    for (const c of ["keygen", "init", "encrypt", "decrypt", "edit", "set", "unset", "get", "rotate", "updatekeys", "filestatus"]) {
      const r = await sb.run([c, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain("Examples:");
      expect(r.stdout, c).toContain(`$ secrets ${c}`);
    }
    expect((await sb.run(["--version"])).stdout).toMatch(/^secrets \d+\.\d+\.\d+/);
  });
});
