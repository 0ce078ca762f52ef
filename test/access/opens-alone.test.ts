import { describe, expect, it } from "vitest";
import { opensAlone } from "../../src/access/recipients.js";

describe("opensAlone (who can read a file on their own: sops key groups)", () => {
  it("is true for a recipient of a single group", () => {
    expect(opensAlone({ groups: [["a", "b"]] }, "b")).toBe(true);
    expect(opensAlone({ groups: [["a"]] }, "z")).toBe(false);
  });

  it("with two or more groups, only when one group suffices (threshold 1); all groups by default", () => {
    expect(opensAlone({ groups: [["a"], ["b"]] }, "a")).toBe(false);
    expect(opensAlone({ groups: [["a"], ["b"]], shamirThreshold: 2 }, "a")).toBe(false);
    expect(opensAlone({ groups: [["a"], ["b"]], shamirThreshold: 1 }, "b")).toBe(true);
    // Empty groups do not count as groups.
    expect(opensAlone({ groups: [["a"], []] }, "a")).toBe(true);
  });
});
