import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

/** `npm run test:interop` starts with this check: a missing program is one line naming its package. */

const CHECK = join(ROOT, "test", "interop", "programs.mjs");
const bin = mkdtempSync(join(tmpdir(), "programs-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function check(path: string) {
  return spawnSync(process.execPath, [CHECK], { env: { PATH: path }, encoding: "utf8" });
}

describe("test:interop's program check", () => {
  it("without age on PATH: exit 1 and one line naming the Debian package", () => {
    const r = check(bin);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("test:interop needs the Go age binary (age): apt-get install age\n");
  });

  it("with an executable age on PATH: exit 0, silent", () => {
    writeFileSync(join(bin, "age"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, "age"), 0o755);
    const r = check(`${dirname(process.execPath)}:${bin}`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
