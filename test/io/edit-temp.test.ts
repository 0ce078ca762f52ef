import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { editTempParents, makeEditTempDir } from "../../src/io/edit-temp.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "edit-temp-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("edit temp location", () => {
  it("prefers a private XDG_RUNTIME_DIR, then a sticky /dev/shm, then the temp folder", () => {
    chmodSync(dir, 0o700);
    const parents = editTempParents({ XDG_RUNTIME_DIR: dir });
    expect(parents[0]).toBe(dir);
    expect(parents[parents.length - 1]).toBe(tmpdir());
    expect(parents.filter((p) => p !== dir && p !== tmpdir()).every((p) => p === "/dev/shm")).toBe(true);
  });

  it("skips an XDG_RUNTIME_DIR others can enter, or a relative one", () => {
    chmodSync(dir, 0o755);
    expect(editTempParents({ XDG_RUNTIME_DIR: dir })).not.toContain(dir);
    expect(editTempParents({ XDG_RUNTIME_DIR: "relative" })).not.toContain("relative");
  });

  it("names the folder after the pid, 0700, in the first place", async () => {
    chmodSync(dir, 0o700);
    const t = await makeEditTempDir({ XDG_RUNTIME_DIR: dir });
    try {
      expect(dirname(t.path)).toBe(dir);
      expect(t.path).toMatch(new RegExp(`/secrets-edit-${process.pid}-[A-Za-z0-9]{6}$`));
    } finally {
      t.cleanupSync();
    }
  });
});
