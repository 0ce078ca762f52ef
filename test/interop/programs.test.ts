import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { PROGRAMS } from "./programs.mjs";

/** `npm run test:interop` starts with this check: a missing program is one line naming its package. */

const CHECK = join(ROOT, "test", "interop", "programs.mjs");
const bin = mkdtempSync(join(tmpdir(), "programs-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function fakeProgram(name: string): void {
  writeFileSync(join(bin, name), "#!/bin/sh\nexit 0\n");
  chmodSync(join(bin, name), 0o755);
}

function check(path: string) {
  return spawnSync(process.execPath, [CHECK], { env: { PATH: path }, encoding: "utf8" });
}

describe("test:interop's program check", () => {
  it("without the programs on PATH: exit 1 and one line naming each Debian package", () => {
    const r = check(bin);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toMatch(/^test:interop needs the Go age binary \(age\): apt-get install age; /);
    for (const p of PROGRAMS) expect(r.stderr).toContain(`(${p.command}): apt-get install ${p.aptPackage}`);
  });

  it("with only age missing: the line names only age", () => {
    for (const p of PROGRAMS.filter((x) => x.command !== "age")) fakeProgram(p.command);
    expect(check(bin).stderr).toBe("test:interop needs the Go age binary (age): apt-get install age\n");
  });

  it("with every program on PATH: exit 0, silent", () => {
    for (const p of PROGRAMS) fakeProgram(p.command);
    const r = check(`${dirname(process.execPath)}:${bin}`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
