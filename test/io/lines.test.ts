import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { fileLines, type FileLine } from "../../src/io/lines.js";

const dir = mkdtempSync(join(tmpdir(), "lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lines(content: string | Buffer, max = 1 << 20): Promise<FileLine[]> {
  const file = join(dir, "f");
  writeFileSync(file, content);
  const out: FileLine[] = [];
  for await (const l of fileLines(file, max)) out.push(l);
  return out;
}

describe("fileLines", () => {
  it("splits on \\n (dropping a \\r before it) and says whether the last line was ended", async () => {
    expect(await lines("")).toEqual([]);
    expect(await lines("a\r\n\nb")).toEqual([
      { number: 1, text: "a", terminated: true },
      { number: 2, text: "", terminated: true },
      { number: 3, text: "b", terminated: false },
    ]);
    expect((await lines("a\n")).map((l) => l.terminated)).toEqual([true]);
  });

  it("keeps multi-byte characters whole across chunk boundaries, and matches split('\\n') for any content (property)", async () => {
    // 64 KiB chunks: put a 4-byte character across the first boundary.
    const text = "x".repeat(64 * 1024 - 2) + "😀\nend";
    expect((await lines(text)).map((l) => l.text)).toEqual(["x".repeat(64 * 1024 - 2) + "😀", "end"]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ arbitrary: fc.constantFrom("\n", "\r", "é", "a"), weight: 20 }, { arbitrary: fc.string({ maxLength: 70_000, unit: "grapheme" }), weight: 1 }), { maxLength: 200 }), async (parts) => {
        const content = parts.join("");
        const expected = content.split("\n");
        if (expected.at(-1) === "") expected.pop();
        expect((await lines(content)).map((l) => l.text)).toEqual(expected.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)));
      }),
      { numRuns: 40 },
    );
  });

  it("a line longer than the cap is dropped as it streams (text null), and the next line is read", async () => {
    const got = await lines("short\n" + "y".repeat(200_000) + "\nafter\n" + "z".repeat(50), 100);
    expect(got.map((l) => [l.number, l.text, l.terminated])).toEqual([
      [1, "short", true],
      [2, null, true],
      [3, "after", true],
      [4, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false],
    ]);
  });
});
