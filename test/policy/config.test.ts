import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { findConfig, lookupConfig } from "../../src/policy/discover.js";
import { renderInitialConfig as renderFromIndex } from "../../src/policy/index.js";
import { renderInitialConfig } from "../../src/policy/init.js";
import { recipientLabel } from "../../src/policy/labels.js";
import { loadConfig, parseConfig, type LoadedConfig } from "../../src/policy/load.js";
import { matchRule } from "../../src/policy/match.js";
import { storeIndent } from "../../src/policy/stores.js";
import { errorOf } from "../helpers/errors.js";

// Real public keys (test/fixtures/sops-age).
const A = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
const B = "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr";
const C = "age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw";
let D = "";

beforeAll(async () => {
  D = await identityToRecipient(await generateX25519Identity());
});

const dirs: string[] = [];
function tmp(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "policy-test-")));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Parses config text as if it lived at /repo/.sops.yaml. */
function cfg(text: string): LoadedConfig {
  return parseConfig(text, "/repo/.sops.yaml");
}

describe("findConfig", () => {
  it("walks up from the start directory and takes the nearest .sops.yaml", () => {
    const root = tmp();
    const deep = path.join(root, "a", "b", "c");
    fs.mkdirSync(deep, { recursive: true });
    expect(findConfig(deep, {})).toBeNull();
    fs.writeFileSync(path.join(root, ".sops.yaml"), "creation_rules: []\n");
    expect(findConfig(deep, {})).toBe(path.join(root, ".sops.yaml"));
    fs.writeFileSync(path.join(root, "a", ".sops.yaml"), "creation_rules: []\n");
    expect(findConfig(deep, {})).toBe(path.join(root, "a", ".sops.yaml"));
    expect(findConfig(root, {})).toBe(path.join(root, ".sops.yaml"));
  });

  it("ignores .sops.yml, with a warning", () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, ".sops.yml"), "creation_rules: []\n");
    const r = lookupConfig(root, {});
    expect(r.path).toBeNull();
    expect(r.warning).toContain(".sops.yml");
  });

  it("stops after 100 directories", () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, ".sops.yaml"), "creation_rules: []\n");
    const near = path.join(root, ...Array.from({ length: 99 }, () => "d"));
    const far = path.join(near, "d");
    fs.mkdirSync(far, { recursive: true });
    expect(findConfig(near, {})).toBe(path.join(root, ".sops.yaml"));
    expect(findConfig(far, {})).toBeNull();
  });

  it("prefers --config over SOPS_CONFIG over the search", () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, ".sops.yaml"), "");
    expect(findConfig(root, { SOPS_CONFIG: "other.yaml" })).toBe(path.join(root, "other.yaml"));
    expect(findConfig(root, { SOPS_CONFIG: "other.yaml" }, "/etc/flag.yaml")).toBe("/etc/flag.yaml");
    expect(findConfig(root, { SOPS_CONFIG: "" })).toBe(path.join(root, ".sops.yaml"));
  });
});

describe("loadConfig", () => {
  it("loads a file, resolving aliases, and lists unknown keys with their line", () => {
    const root = tmp();
    const file = path.join(root, ".sops.yaml");
    fs.writeFileSync(
      file,
      ["keys:", `  - &alice ${A}`, "creation_rules:", "  - path_regexp: typo", "    age: *alice", "extra: 1", ""].join("\n"),
    );
    const c = loadConfig(file);
    expect(c.path).toBe(file);
    expect(c.dir).toBe(root);
    expect(c.data.creation_rules?.[0]?.age).toBe(A);
    expect(c.unknownKeys).toEqual([
      { path: "extra", line: 6 },
      { path: "creation_rules[0].path_regexp", line: 4 },
    ]);
  });

  it("reports a missing file as a config error naming it", () => {
    const e = errorOf(() => loadConfig("/nonexistent/dir/.sops.yaml"));
    expect(e.kind).toBe("config");
    expect(e.message).toContain("/nonexistent/dir/.sops.yaml");
    expect(e.message).toContain("ENOENT");
  });

  it("treats an empty file as a config without rules", () => {
    const c = cfg("# nothing yet\n");
    expect(c.data).toEqual({});
    expect(matchRule(c, "/repo", "/repo/x.yaml", { requireKeys: false })).toBeNull();
    expect(errorOf(() => matchRule(c, "/repo", "/repo/x.yaml")).message).toContain("no creation_rules");
  });
});

describe("config errors carry the file and line", () => {
  const lineOf = (e: SecretsError) => {
    const m = /^\/repo\/\.sops\.yaml:(\d+):(\d+): /.exec(e.message);
    expect(m, e.message).not.toBeNull();
    expect(e.message).not.toContain("\n");
    expect(e.kind).toBe("config");
    return Number(m![1]);
  };

  it("YAML syntax error", () => {
    const e = errorOf(() => cfg(["creation_rules:", "  - path_regex: a", "    age: [x, y", "  - age: z", ""].join("\n")));
    expect(e.message).toContain("YAML syntax error");
    expect(lineOf(e)).toBeGreaterThanOrEqual(3);
  });

  it("duplicate key", () => {
    const e = errorOf(() => cfg(["creation_rules:", "  - age: x", "    age: y", ""].join("\n")));
    expect(lineOf(e)).toBe(3);
  });

  it("unknown alias", () => {
    const e = errorOf(() => cfg(["keys:", `  - &alice ${A}`, "creation_rules:", "  - age: *bob", ""].join("\n")));
    expect(e.message).toContain('unknown anchor "bob"');
    expect(lineOf(e)).toBe(4);
  });

  it("invalid age recipient, in a flat list, a comma string and a key group", () => {
    const bad = A.slice(0, -1) + (A.endsWith("9") ? "8" : "9");
    let e = errorOf(() => cfg(["creation_rules:", "  - path_regex: x", "    age:", `      - ${B}`, `      - ${bad}`, ""].join("\n")));
    expect(lineOf(e)).toBe(5);
    expect(e.message).toContain("creation_rules[0].age[1]");
    expect(e.message).toContain("checksum");

    e = errorOf(() => cfg(["creation_rules:", `  - age: ${B},${A}x`, ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("invalid age recipient");

    e = errorOf(() =>
      cfg(["creation_rules:", "  - key_groups:", "      - age:", `          - ${B}`, "      - age:", "          - age1notakey", ""].join("\n")),
    );
    expect(lineOf(e)).toBe(6);
    expect(e.message).toContain("creation_rules[0].key_groups[1].age[0]");
  });

  it("an invalid recipient behind an anchor is reported where the anchor defines it", () => {
    const e = errorOf(() => cfg(["keys:", "  - &alice age1zzzz", "creation_rules:", "  - age: *alice", ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("(used as *alice at line 4)");
  });

  it("wrong types", () => {
    let e = errorOf(() => cfg(["creation_rules:", "  - path_regex: a", "    shamir_threshold: two", ""].join("\n")));
    expect(lineOf(e)).toBe(3);
    expect(e.message).toContain("creation_rules[0].shamir_threshold");

    e = errorOf(() => cfg(["creation_rules:", "  - age:", "      - 3", ""].join("\n")));
    expect(lineOf(e)).toBe(3);
    expect(e.message).toContain("creation_rules[0].age[0]");

    e = errorOf(() => cfg(["creation_rules:", "  - age: 12", ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("comma-separated string or a list");

    e = errorOf(() => cfg(["stores:", "  yaml:", "    indent: -2", ""].join("\n")));
    expect(lineOf(e)).toBe(3);

    e = errorOf(() => cfg(["creation_rules:", "  path_regex: a", ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("expected array");

    e = errorOf(() => cfg(["creation_rules:", "  - mac_only_encrypted: maybe", ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("expected true or false");
  });

  it("invalid path_regex and encryption regex", () => {
    let e = errorOf(() => cfg(["creation_rules:", `  - age: ${A}`, "  - path_regex: 'secrets/(prod'", `    age: ${A}`, ""].join("\n")));
    expect(lineOf(e)).toBe(3);
    expect(e.message).toContain("invalid regular expression");
    e = errorOf(() => cfg(["creation_rules:", `  - age: ${A}`, "    encrypted_regex: '(?=x)'", ""].join("\n")));
    expect(lineOf(e)).toBe(3);
  });

  it("more than one encryption option in a rule", () => {
    const e = errorOf(() =>
      cfg(["creation_rules:", `  - age: ${A}`, "    encrypted_regex: ^data$", "    unencrypted_suffix: _plain", ""].join("\n")),
    );
    expect(lineOf(e)).toBe(4);
    expect(e.message).toContain("this one has encrypted_regex and unencrypted_suffix");
  });

  it("reports the first problem in file order, and how many more there are", () => {
    const e = errorOf(() => cfg(["creation_rules:", "  - mac_only_encrypted: 7", "    age: 1", "  - age: 2", ""].join("\n")));
    expect(lineOf(e)).toBe(2);
    expect(e.message).toContain("(and 2 more problems)");
  });
});

describe("matchRule", () => {
  const config = () =>
    cfg(
      [
        "creation_rules:",
        "  - path_regex: ^secrets/prod/",
        `    age: ${A}`,
        "  - path_regex: \\.env$",
        `    age: ${B}, ${C} ,`,
        "  - path_regex: (?i)^SECRETS/",
        "    age:",
        `      - ${B}`,
        `      - "${C},${A}"`,
        `      - ${B}`,
        "  - age: " + D,
        "",
      ].join("\n"),
    );

  it("takes the first matching rule, in order; a rule without path_regex matches everything", () => {
    const c = config();
    expect(matchRule(c, "/repo", "/repo/secrets/prod/db.yaml").index).toBe(0);
    expect(matchRule(c, "/repo", "/repo/secrets/prod/.env").index).toBe(0);
    expect(matchRule(c, "/repo", "/repo/secrets/dev/.env").index).toBe(1);
    expect(matchRule(c, "/repo", "/repo/Secrets/dev/a.yaml").index).toBe(2);
    expect(matchRule(c, "/repo", "/repo/other/a.yaml").index).toBe(3);
  });

  it("matches the path relative to the config directory, absolute outside it", () => {
    const c = cfg(["creation_rules:", "  - path_regex: ^secrets/", `    age: ${A}`, "  - path_regex: ^/elsewhere/", `    age: ${B}`, ""].join("\n"));
    expect(matchRule(c, "/repo", "/repo/secrets/a.yaml").index).toBe(0);
    expect(matchRule(c, "/repo", "/elsewhere/secrets/a.yaml").index).toBe(1);
    // Relative paths are resolved against the working directory first.
    const cwd = process.cwd();
    const c2 = parseConfig(["creation_rules:", "  - path_regex: ^secrets/x\\.yaml$", `    age: ${A}`, ""].join("\n"), path.join(cwd, ".sops.yaml"));
    expect(matchRule(c2, cwd, "secrets/x.yaml").index).toBe(0);
    expect(matchRule(c2, cwd, "./secrets/../secrets/x.yaml").index).toBe(0);
  });

  it("fails with a config error naming the file when nothing matches", () => {
    const c = cfg(["creation_rules:", "  - path_regex: ^secrets/", `    age: ${A}`, ""].join("\n"));
    const e = errorOf(() => matchRule(c, "/repo", "/repo/docs/a.yaml"));
    expect(e.kind).toBe("config");
    expect(e.message).toContain("no matching creation rules found");
    expect(e.message).toContain("docs/a.yaml");
    expect(e.message).toContain("/repo/.sops.yaml");
  });

  it("reads age as a comma-separated string or a list (whose entries may hold commas), trimmed and de-duplicated", () => {
    const c = config();
    expect(matchRule(c, "/repo", "/repo/x/.env").keyGroups).toEqual([{ age: [B, C] }]);
    expect(matchRule(c, "/repo", "/repo/secrets/a").keyGroups).toEqual([{ age: [B, C, A] }]);
  });

  it("key_groups replace the flat lists; merge and anchors combine groups", () => {
    const c = cfg(
      [
        "keys:",
        `  - &alice ${A}`,
        `  - &bob ${B}`,
        `  - &ci ${C}`,
        "groups:",
        "  admins: &admins",
        "    age: [*alice, *bob]",
        "creation_rules:",
        "  - path_regex: ^prod/",
        `    age: ${D}`,
        "    pgp: 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1",
        "    key_groups:",
        "      - merge:",
        "          - *admins",
        "        age:",
        "          - *ci",
        "          - *alice",
        "      - age: [*ci]",
        "        pgp: [35C1A64CD7FC0AB6EB66756B2445463C3234ECE1]",
        "    shamir_threshold: 2",
        "",
      ].join("\n"),
    );
    const r = matchRule(c, "/repo", "/repo/prod/db.yaml");
    expect(r.keyGroups).toEqual([{ age: [A, B, C] }, { age: [C] }]);
    expect(r.shamirThreshold).toBe(2);
    expect(r.unsupportedKeyTypes).toEqual(["pgp"]);
    expect(c.unknownKeys.map((u) => u.path)).toEqual(["groups"]);
  });

  it("builds the recipient → anchor name map, preferring anchors under keys:", () => {
    const c = cfg(
      [
        "keys:",
        "  users:",
        `    - &alice ${A}`,
        "  hosts:",
        `    - &server1 "${B} "`,
        "    - &pgpkey 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1",
        "creation_rules:",
        "  - path_regex: x",
        `    age: &inline ${C}`,
        `  - age: &again ${A}`,
        "",
      ].join("\n"),
    );
    expect(Object.fromEntries(c.recipientNames)).toEqual({ [A]: "alice", [B]: "server1", [C]: "inline" });
    expect(c.namedRecipients.get("server1")).toBe(B);
    expect(c.namedRecipients.get("again")).toBe(A);
    expect(c.namedRecipients.has("pgpkey")).toBe(false);
    expect(recipientLabel(c, A)).toBe("alice");
    expect(recipientLabel(c, D)).toBe(D);
    expect(recipientLabel(null, A)).toBe(A);
  });

  it("returns the encryption rule and mac_only_encrypted; empty options count as unset", () => {
    const c = cfg(
      [
        "creation_rules:",
        "  - path_regex: ^a",
        `    age: ${A}`,
        "    encrypted_regex: ^(data|stringData)$",
        '    unencrypted_suffix: ""',
        "    mac_only_encrypted: true",
        `  - age: ${A}`,
        "",
      ].join("\n"),
    );
    const r = matchRule(c, "/repo", "/repo/a.yaml");
    expect(r.encryptionRule).toEqual({ kind: "encrypted_regex", value: "^(data|stringData)$" });
    expect(r.macOnlyEncrypted).toBe(true);
    // go-yaml reads YAML 1.1 booleans into a Go bool, so sops accepts them.
    expect(matchRule(cfg(`creation_rules:\n  - age: ${A}\n    mac_only_encrypted: yes\n`), "/r", "/r/a").macOnlyEncrypted).toBe(true);
    expect(matchRule(cfg(`creation_rules:\n  - age: ${A}\n    mac_only_encrypted: off\n`), "/r", "/r/a").macOnlyEncrypted).toBe(false);
    const d = matchRule(c, "/repo", "/repo/b.yaml");
    expect(d.encryptionRule).toBeUndefined();
    expect(d.macOnlyEncrypted).toBe(false);
    expect(d.shamirThreshold).toBeUndefined();
  });

  it("checks the encryption-rule count again for configs built without the schema", () => {
    const c = cfg(["creation_rules:", `  - age: ${A}`, ""].join("\n"));
    const rule = c.data.creation_rules![0]!;
    rule.encrypted_suffix = "_enc";
    rule.unencrypted_regex = "^x$";
    const e = errorOf(() => matchRule(c, "/repo", "/repo/a"));
    expect(e.message).toContain("only one of");
    expect(e.message).toMatch(/^\/repo\/\.sops\.yaml:2:/);
  });

  it("a rule with only non-age keys is a clear error when used for encryption", () => {
    const c = cfg(
      [
        "creation_rules:",
        "  - path_regex: ^pgp/",
        "    pgp: 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1",
        "  - path_regex: ^groups/",
        "    key_groups:",
        `      - age: [${A}]`,
        "      - kms:",
        "          - arn: arn:aws:kms:us-east-1:1:key/x",
        "  - path_regex: ^none/",
        "",
      ].join("\n"),
    );
    let e = errorOf(() => matchRule(c, "/repo", "/repo/pgp/a.yaml"));
    expect(e.message).toMatch(/^\/repo\/\.sops\.yaml:2:\d+: creation_rules\[0\] has only pgp keys; gitops-secrets encrypts to age/);
    e = errorOf(() => matchRule(c, "/repo", "/repo/groups/a.yaml"));
    expect(e.message).toContain("creation_rules[1].key_groups[1] has only kms keys");
    expect(e.message).toMatch(/:7:/);
    e = errorOf(() => matchRule(c, "/repo", "/repo/none/a.yaml"));
    expect(e.message).toContain("has no keys");
    // With keys from the command line the rule still has to match, but its keys are not needed.
    const r = matchRule(c, "/repo", "/repo/pgp/a.yaml", { requireKeys: false });
    expect(r?.keyGroups).toEqual([{ age: [] }]);
    expect(r?.unsupportedKeyTypes).toEqual(["pgp"]);
    expect(() => matchRule(c, "/repo", "/repo/other/a.yaml", { requireKeys: false })).toThrow(/no matching creation rules/);
  });

  it("checks the Shamir threshold against the number of groups", () => {
    const rule = (t: number) =>
      cfg(["creation_rules:", "  - key_groups:", `      - age: [${A}]`, `      - age: [${B}]`, `    shamir_threshold: ${t}`, ""].join("\n"));
    expect(matchRule(rule(0), "/r", "/r/a").shamirThreshold).toBeUndefined();
    expect(matchRule(rule(2), "/r", "/r/a").shamirThreshold).toBe(2);
    expect(errorOf(() => matchRule(rule(3), "/r", "/r/a")).message).toMatch(/:5:\d+: .*shamir_threshold 3 is more than the 2 key groups/);
    expect(errorOf(() => matchRule(rule(1), "/r", "/r/a")).message).toContain("at least 2");
    expect(() => cfg(["creation_rules:", `  - age: ${A}`, "    shamir_threshold: 256", ""].join("\n"))).toThrow(SecretsError);
    // One group: the threshold is irrelevant, as in sops.
    const one = cfg(["creation_rules:", `  - age: ${A}`, "    shamir_threshold: 1", ""].join("\n"));
    expect(matchRule(one, "/r", "/r/a").keyGroups).toHaveLength(1);
  });

  it("reads a real-world config with anchors on rules, pgp rules and a fallback (fluxcd's layout)", () => {
    const c = cfg(
      [
        "stores:",
        "  json:",
        "    indent: 2",
        "  yaml:",
        "    indent: 2",
        "creation_rules:",
        "  - path_regex: (inside|pgp)\\.yaml$",
        "    encrypted_regex: &encrypted_regex ^(data|stringData)$",
        "    pgp: &pgp 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1",
        "  - path_regex: json\\.yaml$",
        '    encrypted_regex: ".*"',
        `    age: &age ${A}`,
        "  - path_regex: \\.yaml$",
        "    encrypted_regex: *encrypted_regex",
        "    age: *age",
        "  - key_groups:",
        "      - age:",
        "          - *age",
        "      - pgp:",
        "          - *pgp",
        "",
      ].join("\n"),
    );
    expect(matchRule(c, "/repo", "/repo/x/secret.yaml")).toMatchObject({
      index: 2,
      keyGroups: [{ age: [A] }],
      encryptionRule: { kind: "encrypted_regex", value: "^(data|stringData)$" },
    });
    expect(matchRule(c, "/repo", "/repo/a-json.yaml").encryptionRule?.value).toBe(".*");
    expect(c.recipientNames.get(A)).toBe("age");
    expect(storeIndent(c, "yaml")).toBe(2);
    expect(storeIndent(c, "json")).toBe(2);
    expect(storeIndent(c, "binary")).toBe(-1);
    expect(c.unknownKeys).toEqual([]);
  });

  it("supports YAML << merge keys in rules", () => {
    const c = cfg(
      ["common: &common", `  age: ${A}`, "  mac_only_encrypted: true", "creation_rules:", "  - <<: *common", "    path_regex: ^a/", ""].join("\n"),
    );
    expect(matchRule(c, "/repo", "/repo/a/x")).toMatchObject({ keyGroups: [{ age: [A] }], macOnlyEncrypted: true });
    const e = errorOf(() => cfg(["x: &s 1", "creation_rules:", "  - <<: *s", ""].join("\n")));
    expect(e.message).toMatch(/:3:\d+: a << merge must refer to a mapping/);
  });
});

describe("storeIndent", () => {
  it("applies sops' defaults and go-yaml's clamp", () => {
    expect(storeIndent(null, "yaml")).toBe(4);
    expect(storeIndent(null, "json")).toBe(-1);
    expect(storeIndent(null, "json_binary")).toBe(-1);
    expect(storeIndent(null, "dotenv")).toBeUndefined();
    expect(storeIndent(cfg("stores:\n  yaml:\n    indent: 1\n"), "yaml")).toBe(2);
    expect(storeIndent(cfg("stores:\n  yaml:\n    indent: 12\n"), "yaml")).toBe(2);
    expect(storeIndent(cfg("stores:\n  yaml:\n    indent: 0\n"), "yaml")).toBe(4);
    expect(storeIndent(cfg("stores:\n  json:\n    indent: 0\n  json_binary:\n    indent: 3\n"), "json")).toBe(0);
    expect(storeIndent(cfg("stores:\n  json_binary:\n    indent: 3\n"), "binary")).toBe(3);
    expect(() => cfg("stores:\n  json:\n    indent: -2\n")).toThrow(SecretsError);
  });
});

describe("renderInitialConfig", () => {
  it("writes a config that loads, names the key with an anchor and matches secrets/ at any depth", () => {
    const text = renderInitialConfig(A);
    expect(text.startsWith("#")).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    const c = cfg(text);
    expect(c.recipientNames.get(A)).toBe("me");
    expect(c.unknownKeys).toEqual([]);
    expect(matchRule(c, "/repo", "/repo/secrets/app.yaml").keyGroups).toEqual([{ age: [A] }]);
    expect(matchRule(c, "/repo", "/repo/apps/api/secrets/db.env").index).toBe(0);
    expect(() => matchRule(c, "/repo", "/repo/mysecrets/a.yaml")).toThrow(/no matching creation rules/);
    expect(() => matchRule(c, "/repo", "/repo/app.yaml")).toThrow(/no matching creation rules/);
  });

  it("takes an anchor name and a path regex, and is re-exported from policy/index", () => {
    const text = renderFromIndex(B, { name: "alice", pathRegex: "^deploy/.*\\.enc\\.yaml$" });
    const c = cfg(text);
    expect(c.recipientNames.get(B)).toBe("alice");
    expect(matchRule(c, "/repo", "/repo/deploy/x.enc.yaml").index).toBe(0);
    expect(() => matchRule(c, "/repo", "/repo/deploy/x.yaml")).toThrow(/no matching/);
  });

  it("quotes ssh recipients and rejects bad input", () => {
    const ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";
    expect(cfg(renderInitialConfig(ssh)).recipientNames.get(ssh)).toBe("me");
    expect(() => renderInitialConfig("age1nope")).toThrow(SecretsError);
    expect(() => renderInitialConfig(A, { name: "bad name" })).toThrow(/anchor/);
    expect(() => renderInitialConfig(A, { pathRegex: "(" })).toThrow(/path regex/);
  });
});
