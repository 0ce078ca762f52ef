import { describe, expect, it } from "vitest";
import { encryptedPaths } from "../../src/access/update.js";
import { leavesOf } from "../../src/secrets/entries.js";
import { defaultEncryptionRule } from "../../src/sops/metadata.js";
import { Branch, Comment, SopsInt, type Value } from "../../src/sops/tree.js";
import { treeLeaves, type WalkOptions } from "../../src/sops/walk.js";

const map = (entries: Record<string, Value>, comments = false) =>
  new Branch([...(comments ? [new Comment(" c")] : []), ...Object.entries(entries).map(([key, value]) => ({ key, value }))]);

// a: 1, l: [# c, x, {k: y}, []], e: {}, m: {n: null}
const tree = map({ a: new SopsInt(1n), l: [new Comment(" c"), "x", map({ k: "y" }), []], e: map({}, true), m: map({ n: null }) }, true);

const walk = (v: Value, options?: WalkOptions) => [...treeLeaves(v, options)].map((l) => [l.path, l.value]);

describe("treeLeaves", () => {
  it("yields scalars in document order; list indexes count entries, not comments", () => {
    expect(walk(tree)).toEqual([
      [["a"], new SopsInt(1n)],
      [["l", 0], "x"],
      [["l", 1, "k"], "y"],
      [["m", "n"], null],
    ]);
  });

  it("makes lists and empty containers leaves when asked; never the empty start itself", () => {
    expect(walk(tree, { listsAsLeaves: true }).map(([p]) => p)).toEqual([["a"], ["l"], ["m", "n"]]);
    expect(walk(tree, { emptyAsLeaves: true }).map(([p]) => p)).toEqual([["a"], ["l", 0], ["l", 1, "k"], ["l", 2], ["e"], ["m", "n"]]);
    expect(walk(new Branch([new Comment(" only")]), { emptyAsLeaves: true })).toEqual([]);
    expect(walk("s")).toEqual([[[], "s"]]);
  });

  it("skips keys with everything below them, and starts paths with the prefix", () => {
    const leaves = [...treeLeaves(tree, { skipKeys: (b) => new Set(b === tree ? ["l", "m"] : []) }, ["doc"])];
    expect(leaves.map((l) => l.path)).toEqual([["doc", "a"]]);
  });

  it("gives each leaf its own path array", () => {
    const [x, y] = [...treeLeaves(map({ p: map({ a: "1", b: "2" }) }))];
    x!.path.push("changed");
    expect(y!.path).toEqual(["p", "b"]);
  });

  it("is the walk under the SDK's leaves and updatekeys' exposed paths", () => {
    const doc = map({ pw: "s", pw_metadata_unencrypted: map({ by: "me" }), l: ["ENC[AES256_GCM,x]"], n: map({ t: "ENC[AES256_GCM,y]" }) });
    expect(leavesOf(doc, defaultEncryptionRule).map((l) => l.keyPath)).toEqual([["pw"], ["l"], ["n", "t"]]);
    expect(encryptedPaths([doc])).toEqual(['["l"][0]', '["n"]["t"]']);
  });
});
