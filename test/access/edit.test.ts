import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { parseConfig } from "../../src/policy/load.js";
import { grantInPolicy, revokeInPolicy } from "../../src/policy/edit.js";
import { lintPolicy } from "../../src/policy/lint.js";
import { RuleBook } from "../../src/access/rules.js";

/** `.sops.yaml` edits for grant/revoke: only the intended lines change; everything else stays. */

// Syntactically valid X25519 recipients (bech32 of 32 bytes).
const A = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const B = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg";
const C = "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t";

const PATH = "/repo/.sops.yaml";
const load = (text: string) => parseConfig(text, PATH);

function expectError(fn: () => unknown, kind: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsError);
    expect((e as SecretsError).kind).toBe(kind);
    expect((e as SecretsError).message).toMatch(message);
    expect((e as SecretsError).message).not.toContain("\n");
    return;
  }
  throw new Error("expected an error");
}

const BASE = `# Team secrets policy.
keys:
  # people
  - &alice ${A}   # Alice, ops
  - &ci_prod ${C}

creation_rules:
  # Production: ops and CI only.
  - path_regex: ^secrets/prod/.*
    key_groups:
      - age: [*alice, *ci_prod]
  - path_regex: ^secrets/dev/.*
    encrypted_regex: ^(data|stringData)$
    key_groups:
    - age:
      - *alice
stores:
  yaml:
    indent: 2
`;

describe("grant", () => {
  it("declares the name under keys: and adds it to a flow list, changing nothing else", () => {
    const edit = grantInPolicy(load(BASE), BASE, { name: "bob", recipient: B, pathRegex: "^secrets/prod/.*" });
    expect(edit.text).toBe(BASE.replace(`  - &ci_prod ${C}\n`, `  - &ci_prod ${C}\n  - &bob ${B}\n`).replace("[*alice, *ci_prod]", "[*alice, *ci_prod, *bob]"));
    expect(edit.changed).toBe(true);
    expect(edit.rule).toBe(0);
    expect(edit.config.recipientNames.get(B)).toBe("bob");
    expect(new RuleBook(edit.config).expected("secrets/prod/a.yaml")!.recipients.groups).toEqual([[A, C, B]]);
  });

  it("adds to a block list in the list's own indentation; an already declared name needs no recipient", () => {
    const edit = grantInPolicy(load(BASE), BASE, { name: "ci_prod", pathRegex: "^secrets/dev/.*" });
    expect(edit.text).toBe(BASE.replace("      - *alice\n", "      - *alice\n      - *ci_prod\n"));
    expect(edit.changes).toEqual(['add ci_prod to creation_rules[1].key_groups[0] ("^secrets/dev/.*")']);
  });

  it("is a no-op when the rule already has the recipient", () => {
    const edit = grantInPolicy(load(BASE), BASE, { name: "alice", pathRegex: "^secrets/prod/.*" });
    expect(edit.changed).toBe(false);
    expect(edit.text).toBe(BASE);
  });

  it("turns a flat comma-separated age string or an alias into a flow list", () => {
    const text = `keys:\n  - &alice ${A}\ncreation_rules:\n  - path_regex: a\n    age: *alice\n  - path_regex: b\n    age: "${A},${C}"\n`;
    const one = grantInPolicy(load(text), text, { name: "bob", recipient: B, pathRegex: "a" });
    expect(one.text).toBe(`keys:\n  - &alice ${A}\n  - &bob ${B}\ncreation_rules:\n  - path_regex: a\n    age: [*alice, *bob]\n  - path_regex: b\n    age: "${A},${C}"\n`);
    const two = grantInPolicy(load(text), text, { name: "bob", recipient: B, pathRegex: "b" });
    expect(two.text).toContain(`    age: [${A}, ${C}, *bob]\n`);
  });

  it("creates keys: and a rule in a policy that has neither", () => {
    const text = "# empty policy\n";
    const edit = grantInPolicy(load(text), text, { name: "alice", recipient: A, pathRegex: "^secrets/" });
    expect(edit.text).toBe(`# empty policy\nkeys:\n  - &alice ${A}\ncreation_rules:\n  - path_regex: "^secrets/"\n    key_groups:\n      - age:\n          - *alice\n`);
    expect(edit.newRule).toBe(true);
  });

  it("puts a new rule before a catch-all rule, in the list's indentation", () => {
    const text = `keys:\n- &alice ${A}\ncreation_rules:\n- path_regex: ^a/\n  age: [*alice]\n- age: [*alice]\n`;
    const edit = grantInPolicy(load(text), text, { name: "bob", recipient: B, pathRegex: "^b/" });
    expect(edit.text).toBe(`keys:\n- &alice ${A}\n- &bob ${B}\ncreation_rules:\n- path_regex: ^a/\n  age: [*alice]\n- path_regex: "^b/"\n  key_groups:\n    - age:\n        - *bob\n- age: [*alice]\n`);
    expect(edit.rule).toBe(1);
  });

  it("needs --group for Shamir rules and adds to that group only", () => {
    const text = `keys:\n  - &alice ${A}\n  - &carol ${C}\ncreation_rules:\n  - path_regex: x\n    shamir_threshold: 2\n    key_groups:\n      - age: [*alice]\n      - age: [*carol]\n`;
    expectError(() => grantInPolicy(load(text), text, { name: "bob", recipient: B, pathRegex: "x" }), "usage", /has 2 key groups \(Shamir\); say which with --group 0\.\.1/);
    const edit = grantInPolicy(load(text), text, { name: "bob", recipient: B, pathRegex: "x", group: 1 });
    expect(edit.text).toContain("      - age: [*alice]\n      - age: [*carol, *bob]\n");
  });

  it("refuses bad names, bad recipients, name clashes and unknown names", () => {
    const cfg = load(BASE);
    expectError(() => grantInPolicy(cfg, BASE, { name: "bad name", recipient: B, pathRegex: "x" }), "usage", /invalid name "bad name"/);
    expectError(() => grantInPolicy(cfg, BASE, { name: "bob", recipient: "age1nope", pathRegex: "x" }), "usage", /invalid age recipient/);
    expectError(() => grantInPolicy(cfg, BASE, { name: "alice", recipient: B, pathRegex: "x" }), "usage", /alice is already declared as age1/);
    expectError(() => grantInPolicy(cfg, BASE, { name: "al", recipient: A, pathRegex: "x" }), "usage", /that recipient is already named alice; grant alice instead/);
    expectError(() => grantInPolicy(cfg, BASE, { name: "zed", pathRegex: "x" }), "usage", /zed is not declared under keys:/);
    expectError(() => grantInPolicy(cfg, BASE, { name: "bob", recipient: B, pathRegex: "(" }), "usage", /invalid --path regex/);
  });
});

describe("revoke", () => {
  it("removes the key line and every alias, keeping comments and layout", () => {
    const edit = revokeInPolicy(load(BASE), BASE, "ci_prod");
    expect(edit.text).toBe(BASE.replace(`  - &ci_prod ${C}\n`, "").replace("[*alice, *ci_prod]", "[*alice]"));
    expect(edit.name).toBe("ci_prod");
    expect(edit.recipient).toBe(C);
  });

  it("is the inverse of grant", () => {
    const granted = grantInPolicy(load(BASE), BASE, { name: "bob", recipient: B, pathRegex: "^secrets/dev/.*" });
    const revoked = revokeInPolicy(granted.config, granted.text, "bob");
    expect(revoked.text).toBe(BASE);
    const g2 = grantInPolicy(load(BASE), BASE, { name: "bob", recipient: B, pathRegex: "^secrets/prod/.*" });
    expect(revokeInPolicy(g2.config, g2.text, B).text).toBe(BASE);
  });

  it("removes an element at the start or middle of a flow list, and literal recipients", () => {
    const text = `keys:\n  - &alice ${A}\n  - &bob ${B}\ncreation_rules:\n  - path_regex: a\n    age: [*bob, *alice, ${C}]\n  - path_regex: b\n    age: "${B},${A}"\n`;
    const edit = revokeInPolicy(load(text), text, "bob");
    expect(edit.text).toBe(`keys:\n  - &alice ${A}\ncreation_rules:\n  - path_regex: a\n    age: [*alice, ${C}]\n  - path_regex: b\n    age: "${A}"\n`);
    const lit = revokeInPolicy(load(text), text, C);
    expect(lit.text).toContain(`    age: [*bob, *alice]\n`);
    expect(lit.name).toBeNull();
  });

  it("refuses to empty a rule or a group, and unknown names; the error names the file", () => {
    expectError(() => revokeInPolicy(load(BASE), BASE, "alice"), "config", /^\/repo\/\.sops\.yaml: revoking alice would leave creation_rules\[1\]\.key_groups\[0\] with no age recipient/);
    expectError(() => revokeInPolicy(load(BASE), BASE, "nobody"), "usage", /no recipient named nobody/);
    expectError(() => revokeInPolicy(load(BASE), BASE, B), "usage", /does not appear in/);
  });
});

describe("lint", () => {
  it("finds unnamed recipients, shadowed rules (by files or by a catch-all) and unused rules, in file order", () => {
    const text = `keys:\n  - &alice ${A}\ncreation_rules:\n  - path_regex: ^s/\n    age: [*alice, ${B}]\n  - path_regex: ^s/a\n    age: [*alice]\n  - path_regex: ^none/\n    age: [*alice]\n  - age: [*alice]\n  - path_regex: ^t/\n    age: [*alice]\n`;
    const findings = lintPolicy(load(text), ["s/a.yaml", "s/b.yaml", "t/x.yaml", ".sops.yaml"]);
    expect(findings.map((f) => `${f.line} ${f.code} ${f.at}`)).toEqual([
      "5 unnamed-recipient creation_rules[0].age[1]",
      "6 shadowed-rule creation_rules[1]",
      "8 unused-rule creation_rules[2]",
      "11 shadowed-rule creation_rules[4]",
    ]);
    expect(findings[1]!.message).toBe("never applies: every file it matches (1) is matched first by creation_rules[0]");
    expect(findings[3]!.message).toBe("never applies: creation_rules[3] has no path_regex and matches every file first");
  });
});
