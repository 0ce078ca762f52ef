import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { defaultKeyFilePath, describeIdentitySet, loadIdentities, noKeyError, parseIdentityFile, type IdentitySet } from "../../src/keys/identities.js";
import { generateKeyPair, type KeyPair } from "../../src/keys/keygen.js";
import { shlexSplit } from "../../src/util/shlex.js";
import { unwrapDataKey, wrapDataKey } from "../../src/keys/wrap.js";

const root = mkdtempSync(join(tmpdir(), "keys-ids-"));
let n = 0;
const dir = () => {
  const d = join(root, `t${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const pairs: KeyPair[] = [];
for (let i = 0; i < 6; i++) pairs.push(await generateKeyPair());
const [A, B, C, D, E, F] = pairs as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];

const recipientsOf = async (set: IdentitySet) => Promise.all(set.identities.map((i) => i.recipient()));
/** Every secret key string we made: none may ever appear in a message. */
const noSecretsIn = (s: string) => {
  for (const p of pairs) expect(s).not.toContain(p.identity);
  expect(s).not.toMatch(/AGE-SECRET-KEY-[0-9A-Z]{10}/);
};

describe("loadIdentities: each source", () => {
  it("SOPS_AGE_KEY: one per line, several per line, comments, CRLF", async () => {
    const env = { SOPS_AGE_KEY: `# mine\r\n${A.identity}\r\n\r\n${B.identity} ${C.identity}\n` };
    const set = await loadIdentities({ env, homedir: dir() });
    expect(await recipientsOf(set)).toEqual([A.recipient, B.recipient, C.recipient]);
    expect(set.sources).toEqual(["SOPS_AGE_KEY"]);
    expect(set.errors).toEqual([]);
  });

  it("SOPS_AGE_KEY_FILE: comments, empty lines, CRLF", async () => {
    const f = join(dir(), "keys.txt");
    writeFileSync(f, `# created: x\r\n# public key: ${A.recipient}\r\n${A.identity}\r\n\n#\n${B.identity}`);
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: f }, homedir: dir() });
    expect(await recipientsOf(set)).toEqual([A.recipient, B.recipient]);
    expect(set.sources).toEqual([`SOPS_AGE_KEY_FILE=${f}`]);
  });

  it("SOPS_AGE_KEY_CMD: shlex-split, no shell, SOPS_AGE_RECIPIENT set from the hint", async () => {
    const d = dir();
    const script = join(d, "print key.mjs"); // a space in the path: quoting must work
    writeFileSync(
      script,
      `const r = process.env.SOPS_AGE_RECIPIENT;
       process.stdout.write(r === ${JSON.stringify(B.recipient)} ? ${JSON.stringify(B.identity + "\n")} : ${JSON.stringify("# no hint\n" + A.identity + "\n")});
       if (process.argv[2] !== "$HOME;x") process.exit(9);`,
    );
    const cmd = `'${process.execPath}' "${script}" '$HOME;x'`;
    const env = { SOPS_AGE_KEY_CMD: cmd, PATH: process.env.PATH };
    const withHint = await loadIdentities({ env, recipientHint: B.recipient, homedir: dir() });
    expect(withHint.errors).toEqual([]);
    expect(await recipientsOf(withHint)).toEqual([B.recipient]);
    expect(withHint.sources).toEqual(["SOPS_AGE_KEY_CMD"]);
    const noHint = await loadIdentities({ env, homedir: dir() });
    expect(await recipientsOf(noHint)).toEqual([A.recipient]);
  });

  it("default file: $XDG_CONFIG_HOME/sops/age/keys.txt, else ~/.config/sops/age/keys.txt", async () => {
    const xdg = dir();
    mkdirSync(join(xdg, "sops", "age"), { recursive: true });
    writeFileSync(join(xdg, "sops", "age", "keys.txt"), A.identity + "\n");
    const home = dir();
    mkdirSync(join(home, ".config", "sops", "age"), { recursive: true });
    writeFileSync(join(home, ".config", "sops", "age", "keys.txt"), B.identity + "\n");

    const viaXdg = await loadIdentities({ env: { XDG_CONFIG_HOME: xdg, HOME: home }, platform: "linux" });
    expect(await recipientsOf(viaXdg)).toEqual([A.recipient]);
    expect(viaXdg.sources).toEqual([join(xdg, "sops", "age", "keys.txt")]);
    const viaHome = await loadIdentities({ env: { HOME: home }, platform: "linux" });
    expect(await recipientsOf(viaHome)).toEqual([B.recipient]);
    const viaOpt = await loadIdentities({ env: {}, homedir: home, platform: "linux" });
    expect(await recipientsOf(viaOpt)).toEqual([B.recipient]);
  });

  it("a missing default file is fine: no identities, no errors", async () => {
    const set = await loadIdentities({ env: { HOME: dir() }, platform: "linux" });
    expect(set.identities).toEqual([]);
    expect(set.errors).toEqual([]);
    expect(set.unused).toContain("SOPS_AGE_KEY");
    expect(set.unused.some((u) => u.endsWith(join(".config", "sops", "age", "keys.txt")))).toBe(true);
  });

  it("combines every source, in sops' order", async () => {
    const d = dir();
    const file = join(d, "file.txt");
    writeFileSync(file, B.identity + "\n");
    const script = join(d, "cmd.mjs");
    writeFileSync(script, `console.log(${JSON.stringify(C.identity)})`);
    const home = dir();
    mkdirSync(join(home, ".config", "sops", "age"), { recursive: true });
    writeFileSync(join(home, ".config", "sops", "age", "keys.txt"), D.identity + "\n");
    const env = { SOPS_AGE_KEY: A.identity, SOPS_AGE_KEY_FILE: file, SOPS_AGE_KEY_CMD: `${process.execPath} ${script}`, HOME: home };
    const set = await loadIdentities({ env, platform: "linux" });
    expect(await recipientsOf(set)).toEqual([A.recipient, B.recipient, C.recipient, D.recipient]);
    expect(set.sources).toEqual(["SOPS_AGE_KEY", `SOPS_AGE_KEY_FILE=${file}`, "SOPS_AGE_KEY_CMD", join(home, ".config", "sops", "age", "keys.txt")]);
    expect(set.errors).toEqual([]);
  });
});

describe("loadIdentities: errors are collected, never thrown, never quote a key", () => {
  it("collects unreadable files, failing commands and bad lines, and keeps the good sources", async () => {
    const d = dir();
    const badLines = join(d, "bad.txt");
    // A leading space makes a line unknown (lines are not trimmed); the whole file is then unusable.
    writeFileSync(badLines, `${B.identity}\n ${C.identity}\n`);
    const env = {
      SOPS_AGE_KEY: `${A.identity}\n${D.identity.slice(0, -1)}${D.identity.endsWith("Q") ? "P" : "Q"}`, // bad checksum
      SOPS_AGE_KEY_FILE: join(d, "missing.txt"),
      SOPS_AGE_KEY_CMD: `${process.execPath} -e "process.stdout.write(${JSON.stringify(E.identity).replaceAll('"', '\\"')});process.exit(3)"`,
      HOME: d,
      XDG_CONFIG_HOME: badLines.replace(/bad\.txt$/, "x"),
    };
    mkdirSync(join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt"), { recursive: true }); // a directory: unreadable
    const set = await loadIdentities({ env, platform: "linux" });
    expect(set.identities).toEqual([]);
    expect(set.errors.map((e) => e.source)).toEqual(["SOPS_AGE_KEY", `SOPS_AGE_KEY_FILE=${env.SOPS_AGE_KEY_FILE}`, "SOPS_AGE_KEY_CMD", join(env.XDG_CONFIG_HOME, "sops", "age", "keys.txt")]);
    expect(set.errors[0]!.message).toBe("line 2: malformed X25519 secret key");
    expect(set.errors[1]!.message).toMatch(/ENOENT/);
    expect(set.errors[2]!.message).toMatch(/exited with status 3/);
    expect(set.errors[3]!.message).toMatch(/EISDIR/);

    const fileSet = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: badLines, SOPS_AGE_KEY: F.identity }, homedir: d });
    expect(await recipientsOf(fileSet)).toEqual([F.recipient]);
    expect(fileSet.errors).toEqual([{ source: `SOPS_AGE_KEY_FILE=${badLines}`, message: "line 2: unknown identity type" }]);

    const all = JSON.stringify([set, fileSet]) + describeIdentitySet(set) + describeIdentitySet(fileSet) + noKeyError(set, [A.recipient]).message;
    noSecretsIn(all);
  });

  it("reports errors only when decryption then fails", async () => {
    const set = await loadIdentities({ env: { SOPS_AGE_KEY: A.identity, SOPS_AGE_KEY_FILE: join(dir(), "nope") }, homedir: dir() });
    expect(set.errors).toHaveLength(1);
    const enc = await wrapDataKey(new Uint8Array(32), A.recipient);
    expect(await unwrapDataKey(enc, set)).not.toBeNull(); // the error stays silent
    const other = await wrapDataKey(new Uint8Array(32), B.recipient);
    expect(await unwrapDataKey(other, set)).toBeNull();
    const err = noKeyError(set, [B.recipient]);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.kind).toBe("no-key");
    expect(err.exitCode).toBe(128);
    expect(err.message).toContain(B.recipient);
    expect(err.message).toMatch(/SOPS_AGE_KEY_FILE=.*nope \(cannot read the file \(ENOENT\)\)/);
    noSecretsIn(err.message);
  });

  it("refuses plugin identities, passphrase-protected files, bad commands", async () => {
    expect(() => parseIdentityFile("AGE-PLUGIN-YUBIKEY-1QQQQ\n")).toThrow("line 1: age plugin identities are not supported");
    expect(() => parseIdentityFile("-----BEGIN AGE ENCRYPTED FILE-----\nabc\n")).toThrow(/passphrase-protected/);
    expect(() => parseIdentityFile("age-encryption.org/v1\n-> scrypt")).toThrow(/passphrase-protected/);
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_CMD: "'unterminated", PATH: "" }, homedir: dir() });
    expect(set.errors[0]!.message).toMatch(/closing quote/);
    const missing = await loadIdentities({ env: { SOPS_AGE_KEY_CMD: "definitely-not-a-command-xyz", PATH: dir() }, homedir: dir() });
    expect(missing.errors[0]!.message).toMatch(/cannot run `definitely-not-a-command-xyz` \(ENOENT\)/);
  });

  it("a file unreadable by permissions is an error", async () => {
    if (process.getuid?.() === 0) {
      // root reads anything: use a path through a regular file instead (ENOTDIR).
      const f = join(dir(), "plain");
      writeFileSync(f, "x");
      const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: join(f, "keys.txt") }, homedir: dir() });
      expect(set.errors[0]!.message).toMatch(/ENOTDIR/);
      return;
    }
    const f = join(dir(), "locked.txt");
    writeFileSync(f, A.identity);
    chmodSync(f, 0o000);
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: f }, homedir: dir() });
    expect(set.errors[0]!.message).toMatch(/EACCES/);
  });
});

describe("IdentitySet", () => {
  it("never shows a secret key through inspect or JSON", async () => {
    const pq = await generateKeyPair({ pq: true });
    const set = await loadIdentities({ env: { SOPS_AGE_KEY: `${A.identity}\n${pq.identity}` }, homedir: dir() });
    expect(set.identities).toHaveLength(2);
    const shown = inspect(set, { depth: 10, showHidden: true }) + JSON.stringify(set) + String(set.identities[0]);
    noSecretsIn(shown);
    expect(shown).not.toContain(pq.identity);
  });
});

describe("defaultKeyFilePath", () => {
  it("follows sops' user config dir per platform", () => {
    expect(defaultKeyFilePath({ XDG_CONFIG_HOME: "/x" }, { platform: "linux" })).toBe("/x/sops/age/keys.txt");
    expect(defaultKeyFilePath({ HOME: "/h" }, { platform: "linux" })).toBe("/h/.config/sops/age/keys.txt");
    expect(defaultKeyFilePath({ HOME: "/h", XDG_CONFIG_HOME: "" }, { platform: "linux" })).toBe("/h/.config/sops/age/keys.txt");
    expect(defaultKeyFilePath({}, { platform: "linux", homedir: "/o" })).toBe("/o/.config/sops/age/keys.txt");
    expect(defaultKeyFilePath({ HOME: "/h" }, { platform: "darwin" })).toBe("/h/Library/Application Support/sops/age/keys.txt");
    expect(defaultKeyFilePath({ HOME: "/h", XDG_CONFIG_HOME: "/x" }, { platform: "darwin" })).toBe("/x/sops/age/keys.txt");
    expect(() => defaultKeyFilePath({}, { platform: "linux" })).toThrow(SecretsError);
    expect(() => defaultKeyFilePath({ XDG_CONFIG_HOME: "rel" }, { platform: "linux" })).toThrow(/absolute/);
  });
});

describe("shlexSplit (google/shlex)", () => {
  it("splits like sops does before exec", () => {
    expect(shlexSplit("op read  'op://vault/age key'")).toEqual(["op", "read", "op://vault/age key"]);
    expect(shlexSplit(`a "b \\" c" d\\ e`)).toEqual(["a", 'b " c', "d e"]);
    expect(shlexSplit(`"x\\y" '\\z'`)).toEqual(["xy", "\\z"]);
    expect(shlexSplit(`cmd '' "" a#b # comment\nnext`)).toEqual(["cmd", "", "", "a#b", "next"]);
    expect(shlexSplit("  \t\r\n ")).toEqual([]);
    expect(shlexSplit("$HOME;ls|cat")).toEqual(["$HOME;ls|cat"]);
    expect(() => shlexSplit(`"open`)).toThrow();
    expect(() => shlexSplit(`trailing\\`)).toThrow();
  });
});
