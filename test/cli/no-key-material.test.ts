import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { Sandbox } from "../helpers/cli.js";
import { SecretsError } from "../../src/errors.js";
import { NoMatchingKey } from "../../src/secrets/errors.js";
import { containsKeyMaterial, escapeControl, notARecipient, redactKeyMaterial } from "../../src/util/safe-text.js";
import { loadIdentities, describeIdentitySet } from "../../src/keys/identities.js";
import { parseRecipient } from "../../src/keys/recipients.js";
import { checkRecipient } from "../../src/policy/recipient.js";
import { renderVerifyText } from "../../src/access/report.js";

/** Issue #11 §1 and §5: no key material and no value in any message; names printed escaped. */

const PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----";

let sb: Sandbox;
let secretKey: string;
let recipient: string;
let keyText: string;

beforeAll(async () => {
  sb = new Sandbox();
  await sb.ok(["keygen", "-o", sb.path("k.txt")]);
  keyText = readFileSync(sb.path("k.txt"), "utf8");
  secretKey = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(keyText)![0];
  recipient = /age1[0-9a-z]+/.exec(keyText)![0];
  writeFileSync(sb.path("plain.yaml"), "a: b\n");
  writeFileSync(sb.path("enc.yaml"), await sb.ok(["encrypt", "--age", recipient, "plain.yaml"]));
});
afterAll(() => sb.cleanup());

const keyTail = () => secretKey.slice(-12);
function noKeyIn(text: string): void {
  expect(text).not.toContain(keyTail());
  expect(text).not.toMatch(/AGE-SECRET-KEY-1/);
}

describe("CLI: key material is named by kind, never printed", () => {
  it("SOPS_AGE_KEY_FILE holding the key text: exit 128, one line, the fix, the sources", async () => {
    const r = await sb.run(["decrypt", "enc.yaml"], { env: { SOPS_AGE_KEY_FILE: keyText } });
    expect(r.code).toBe(128);
    noKeyIn(r.stderr);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("SOPS_AGE_KEY_FILE (holds an age identity, not a path: put it in SOPS_AGE_KEY instead)");
    expect(r.stderr).toContain(`the file is encrypted to ${recipient}`);
    expect(r.stderr).toMatch(/SOPS_AGE_KEY \(not set\).*keys\.txt \(not found\)/);
  });

  it("names how many identities each source gave", async () => {
    const r = await sb.run(["decrypt", "enc.yaml"], { env: { SOPS_AGE_KEY: "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", SOPS_AGE_KEY_FILE: sb.path("nope") } });
    expect(r.code).toBe(128);
    expect(r.stderr).toMatch(/SOPS_AGE_KEY_FILE=.*nope \(cannot read the file \(ENOENT\)\)/);
  });

  it("a public key in SOPS_AGE_KEY: 'that is a public key, not an identity'", async () => {
    const r = await sb.run(["decrypt", "enc.yaml"], { env: { SOPS_AGE_KEY: recipient } });
    expect(r.code).toBe(128);
    expect(r.stderr).toContain("that is a public key (a recipient), not an identity");
  });

  for (const [name, args, env] of [
    ["encrypt --age SECRET", () => ["encrypt", "--age", secretKey, "plain.yaml"], () => ({})],
    ["SOPS_AGE_RECIPIENTS=SECRET", () => ["encrypt", "plain.yaml"], () => ({ SOPS_AGE_RECIPIENTS: secretKey })],
    ["rotate --add-age SECRET", () => ["rotate", "-i", "--add-age", `${recipient},${secretKey}`, "enc.yaml"], () => ({ SOPS_AGE_KEY_FILE: sb.path("k.txt") })],
  ] as const) {
    it(`a secret key where a recipient belongs (${name}) is named by kind`, async () => {
      const r = await sb.run([...args()], { env: env() });
      expect(r.code).toBe(1);
      noKeyIn(r.stderr);
      expect(r.stderr).toContain("that is a secret key, not a recipient; a recipient (public key) starts with age1");
    });
  }

  it("a string that is not a recipient at all is not echoed", async () => {
    const r = await sb.run(["encrypt", "--age", "hunter2-Pa55word", "plain.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("Pa55word");
  });

  it("set FILE PATH -VALUE: the value is not in the error, and -- lets it through", async () => {
    const r = await sb.run(["set", "enc.yaml", "a", "-Pa55word"], { env: { SOPS_AGE_KEY_FILE: sb.path("k.txt") } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("Pa55word");
    expect(r.stderr).toMatch(/^secrets: unknown option .*put -- before it/);
    await sb.ok(["set", "enc.yaml", "a", "--", '"-Pa55word"'], { env: { SOPS_AGE_KEY_FILE: sb.path("k.txt") } });
    expect(await sb.ok(["decrypt", "enc.yaml"], { env: { SOPS_AGE_KEY_FILE: sb.path("k.txt") } })).toBe("a: -Pa55word\n");
  });

  it("an unknown command is not echoed, the suggestion is", async () => {
    const r = await sb.run([secretKey]);
    expect(r.code).toBe(1);
    noKeyIn(r.stderr);
    const typo = await sb.run(["decrpyt", "enc.yaml"]);
    expect(typo.stderr).toContain("did you mean decrypt?");
  });

  it("a YAML alias-looking value is not echoed; the line is", async () => {
    writeFileSync(sb.path("bad.yaml"), "x: 1\npw: *Pa55word\n");
    const r = await sb.run(["encrypt", "--age", recipient, "bad.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("Pa55word");
    expect(r.stderr).toContain("line 2");
  });

  it("a file name with a newline and a workflow command is escaped in errors", async () => {
    const r = await sb.run(["decrypt", "x\n::stop-commands::tok"]);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("x\\n::stop-commands::tok");
  });
});

describe("SDK and library: the error constructor is the last line of defence", () => {
  it("NoMatchingKey.message never holds key material", async () => {
    const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: `# c\n${secretKey}\n`, HOME: sb.dir, XDG_CONFIG_HOME: sb.path("cfg") } });
    const msg = new NoMatchingKey(`failed: ${describeIdentitySet(set)}; ${secretKey}`).message;
    noKeyIn(msg);
    expect(msg).toContain("[redacted age secret key]");
    expect(JSON.stringify(set)).not.toContain(keyTail());
  });

  it("every kind of key material and every error kind is redacted through toLine", () => {
    const samples = [secretKey, secretKey.toLowerCase(), `${secretKey.slice(0, 20)}…${keyTail()}`, "AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQ", PEM, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU="];
    const kinds = ["generic", "usage", "read-input", "parse", "metadata", "config", "no-key", "no-recipients", "tree-path", "not-found", "set-format"] as const;
    for (const k of kinds) for (const m of samples) {
      const e = new SecretsError(k, `bad input: ${m}`, { file: `dir/${m}` });
      expect(containsKeyMaterial(e.message)).toBe(false);
      expect(containsKeyMaterial(e.toLine())).toBe(false);
      e.message = m; // writable: toLine re-checks
      expect(containsKeyMaterial(e.toLine())).toBe(false);
      expect(e.toLine()).not.toContain(keyTail());
      expect(e.toLine()).not.toContain("\n");
    }
  });

  it("a Vault token (as `secrets token create` prints one) is redacted too", () => {
    const token = "hvs.4Fq2ZbX9aLmPcK7tRwY1sNe0";
    const e = new SecretsError("usage", `unknown token name ${token}`, { file: `dir/${token}` });
    expect(e.toLine()).not.toContain(token.slice(4));
    expect(e.toLine()).toContain("[redacted Vault token]");
    expect(notARecipient(token)).toContain("a Vault token");
  });

  it("recipient parsers classify key material without quoting it", () => {
    let msg = "";
    try { parseRecipient(secretKey); } catch (e) { msg = (e as Error).message; }
    expect(msg).toContain("that is a secret key");
    noKeyIn(msg);
    const c = checkRecipient(secretKey);
    expect(c.ok).toBe(false);
    if (!c.ok) noKeyIn(c.reason);
  });

  it("escapeControl escapes C0/C1 and neutralises a leading ::", () => {
    expect(escapeControl("a\nb\r\t\x1b[31m\u009b")).toBe("a\\nb\\r\\t\\x1b[31m\\x9b");
    expect(escapeControl("::stop-commands::x")).toBe("\\x3a:stop-commands::x");
    expect(escapeControl(escapeControl("::a\n"))).toBe(escapeControl("::a\n"));
    expect(redactKeyMaterial(`k=${PEM} end`)).toBe("k=[redacted private key] end");
  });

  it("verify's text output escapes file names", () => {
    const text = renderVerifyText({ config: "/r/.sops.yaml", files: 1, macChecked: 0, problems: [{ file: "::stop-commands::x\nevil", kind: "drift", rule: 0, message: "m" }], warnings: [], empty: [], configErrors: [], uncovered: [] } as never, true, false);
    expect(text.split("\n")[0]).toBe("\\x3a:stop-commands::x\\nevil: m");
  });
});
