import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

/**
 * The committed bundle (action/dist, what the runner executes) must be exactly what
 * scripts/build-action.mjs makes from the current sources: rebuilt here into a temporary directory
 * and compared byte for byte, file set included. CI (.github/workflows/ci.yml) additionally checks,
 * after `npm run build`, that action/dist does not differ from the commit.
 */

function build(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "action-dist-"));
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-action.mjs"), "--outdir", dir], { cwd: ROOT, stdio: "pipe" });
  return { dir, files: readdirSync(dir).sort() };
}

describe("action/dist", () => {
  it("is byte-identical to a fresh build (run `npm run build:action` and commit action/dist if not)", () => {
    const fresh = build();
    const committed = join(ROOT, "action", "dist");
    expect(readdirSync(committed).sort()).toEqual(fresh.files);
    const stale = fresh.files.filter((f) => !readFileSync(join(committed, f)).equals(readFileSync(join(fresh.dir, f))));
    expect(stale, "files in action/dist that differ from a fresh build").toEqual([]);
  });

  it("builds deterministically: two builds give the same bytes", () => {
    const a = build();
    const b = build();
    expect(a.files).toEqual(["index.js", "post.js"]);
    for (const f of a.files) expect(readFileSync(join(a.dir, f)).equals(readFileSync(join(b.dir, f))), f).toBe(true);
  });
});
