import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPair } from "../../src/keys/keygen.js";
import type { ConfigFinding } from "../../src/policy/lint.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { SecretsError } from "../../src/errors.js";
import { rejectionOf } from "../helpers/errors.js";

/**
 * The Workspace: one `.sops.yaml` per instance (found from its start directory, or named), loaded
 * once; one creation policy with sops' precedence; the indent of each store, `binary` included.
 */

let dir: string;
let alice: string;
let bob: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "workspace-"));
  mkdirSync(join(dir, "sub"));
  [alice, bob] = [(await generateKeyPair()).recipient, (await generateKeyPair()).recipient];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The SecretsError a promise rejects with. */

const policy = (extra = "") => `creation_rules:\n  - path_regex: ^secrets/\n    age: ${alice}\n    encrypted_regex: ^data$\n${extra}`;
const at = (opts: Partial<ConstructorParameters<typeof Workspace>[0]> = {}) => new Workspace({ startDir: join(dir, "sub"), env: {}, ...opts });

describe("indentFor", () => {
  it("takes stores.json_binary for the binary format, as for json and yaml their own store", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy("stores:\n  json_binary:\n    indent: 3\n  json:\n    indent: 5\n  yaml:\n    indent: 6\n"));
    const ws = at();
    expect(await ws.indentFor("binary")).toBe(3);
    expect(await ws.indentFor("json")).toBe(5);
    expect(await ws.indentFor("yaml")).toBe(6);
    expect(await ws.indentFor("dotenv")).toBeUndefined();
  });

  it("without a stores section the config is not parsed (an invalid one does not matter)", async () => {
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules: [\n");
    expect(await at().indentFor("yaml")).toBeUndefined();
    expect(await at().indentFor("binary")).toBeUndefined();
  });
});

describe("the config", () => {
  it("is found walking up from the start directory, or named (relative to it), or by SOPS_CONFIG from the env given", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy());
    writeFileSync(join(dir, "other.yaml"), `creation_rules:\n  - age: ${bob}\n`);
    expect(await at().configPath()).toBe(join(dir, ".sops.yaml"));
    expect(await at({ configPath: "../other.yaml" }).configPath()).toBe(join(dir, "other.yaml"));
    expect(await at({ env: { SOPS_CONFIG: join(dir, "other.yaml") } }).configPath()).toBe(join(dir, "other.yaml"));
    expect(await new Workspace({ startDir: tmpdir(), env: {}, configPath: join(dir, "other.yaml") }).configPath()).toBe(join(dir, "other.yaml"));
  });

  it("is loaded once; what sops ignores in it is handed over once, and on request", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy("colour: blue\n"));
    const seen: ConfigFinding[][] = [];
    const ws = at({ onConfigFindings: (f) => seen.push([...f]) });
    const [a, b] = await Promise.all([ws.config(), ws.config()]);
    expect(a).toBe(b);
    await ws.creationFor(join(dir, "secrets/x.yaml"));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((f) => f.at)).toEqual(["colour"]);
    expect((await ws.configFindings()).map((f) => f.code)).toEqual(["unknown-key"]);
    rmSync(join(dir, ".sops.yaml"));
    expect(await at().configFindings()).toEqual([]);
  });

  it("an invalid config rejects with kind config", async () => {
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules: [\n");
    expect((await rejectionOf(at().config())).kind).toBe("config");
  });
});

describe("creationFor", () => {
  it("the rule for the path: its keys and options", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy());
    expect(await at().creationFor(join(dir, "secrets/x.yaml"))).toEqual({
      recipients: { groups: [[alice]], shamirThreshold: undefined },
      encryptionRule: { kind: "encrypted_regex", value: "^data$" },
      macOnlyEncrypted: false,
    });
    expect((await rejectionOf(at().creationFor(join(dir, "elsewhere.yaml")))).message).toMatch(/no matching creation rules/);
  });

  it("key flags replace the rule's keys (no rule needs to match); the default recipients stand in for --age; a rule flag overrides the rule's option", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy());
    const ws = at({ defaultAge: bob });
    expect((await ws.creationFor(join(dir, "elsewhere.yaml"))).recipients).toEqual({ groups: [[bob]] });
    expect((await ws.creationFor(join(dir, "secrets/x.yaml"), { age: `${alice}, ${bob}` })).recipients).toEqual({ groups: [[alice, bob]] });
    const c = await at().creationFor(join(dir, "secrets/x.yaml"), { unencryptedSuffix: "_plain", macOnlyEncrypted: true });
    expect(c.encryptionRule).toEqual({ kind: "unencrypted_suffix", value: "_plain" });
    expect(c.macOnlyEncrypted).toBe(true);
    expect((await rejectionOf(at().creationFor("x.yaml", { encryptedSuffix: "_a", encryptedRegex: "b" }))).kind).toBe("conflict");
  });

  it("without a config: recipients must be given", async () => {
    // (none is expected above the temp folder)
    expect(await at().configPath()).toBeNull();
    expect((await at().creationFor("x.yaml", { age: alice })).recipients).toEqual({ groups: [[alice]] });
    const e = await rejectionOf(at().creationFor("x.yaml"));
    expect(e.kind).toBe("config");
    expect(e.message).toMatch(/^no \.sops\.yaml found from .*: cannot tell whom to encrypt/);
  });

  it("an explicit config that is missing is an error, not a search", async () => {
    writeFileSync(join(dir, ".sops.yaml"), policy());
    expect((await rejectionOf(at({ configPath: "none.yaml" }).creationFor("x.yaml", { age: alice }))).kind).toBe("config");
  });
});

describe("repository", () => {
  it("one per root, under this workspace's policy", async () => {
    const ws = at();
    const root = join(dir, "secrets");
    expect(await ws.repository(root)).toBe(await ws.repository(root));
    expect((await ws.repository(root)).root).toBe(root);
    expect(ws.secretsRoot()).toBe(join(dir, "sub", "secrets"));
    writeFileSync(join(dir, ".sops.yaml"), policy());
    expect(at().secretsRoot()).toBe(join(dir, "secrets"));
    expect(at({ env: { SECRETS_ROOT: "../s" } }).secretsRoot()).toBe(join(dir, "s"));
  });
});
