import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, legacyForm } from "../../src/cli/legacy-form.js";
import { buildProgram } from "../../src/cli/program.js";
import { goFormatG } from "../../src/secrets/exec-env.js";

describe("sops' forms without a subcommand", () => {
  it("knows every command the program declares (else `secrets NAME` would become an edit)", () => {
    const declared = buildProgram().commands.map((c) => c.name());
    expect([...declared, "help"].filter((n) => !COMMAND_NAMES.includes(n))).toEqual([]);
  });

  it("maps -d/-e/-r to the subcommand and a file to edit; leaves the rest", () => {
    const none = () => false;
    expect(legacyForm(["-d", "--extract", '["a"]', "f.yaml"], none)).toEqual({ argv: ["decrypt", "--extract", '["a"]', "f.yaml"] });
    expect(legacyForm(["-e", "-i", "f.yaml"], none)).toEqual({ argv: ["encrypt", "-i", "f.yaml"] });
    expect(legacyForm(["f.yaml"], none)).toEqual({ argv: ["edit", "f.yaml"] });
    expect(legacyForm(["secretsfile"], (p) => p === "secretsfile")).toEqual({ argv: ["edit", "secretsfile"] });
    expect(legacyForm(["decrpyt"], none)).toEqual({ argv: ["decrpyt"] });
    expect(legacyForm(["run", "--", "sh", "-e"], none)).toEqual({ argv: ["run", "--", "sh", "-e"] });
    expect(legacyForm(["-d", "-r", "f"], none)).toHaveProperty("conflict");
  });
});

describe("exec-env's float text is Go's %G", () => {
  it.each([
    [0.75, "0.75"],
    [3, "3"],
    [3.14159265, "3.14159"],
    [1e20, "1E+20"],
    [0.00001, "1E-05"],
    [123456, "123456"],
    [1234567, "1.23457E+06"],
  ])("%s → %s", (f, text) => expect(goFormatG(f)).toBe(text));
});
