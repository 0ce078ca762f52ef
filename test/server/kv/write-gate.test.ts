import { describe, expect, it } from "vitest";
import { WriteGate } from "../../../src/server/kv/write-gate.js";

/** The gate between the server's writes (shared) and a fast-forward of its checkout (exclusive). */

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("WriteGate", () => {
  it("shared runs overlap; exclusive waits for those in flight, and holds new ones back until it is done", async () => {
    const gate = new WriteGate();
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const w1 = gate.shared(async () => {
      log.push("w1 start");
      await held;
      log.push("w1 end");
    });
    const w2 = gate.shared(async () => {
      log.push("w2");
    });
    await tick();
    const ex = gate.exclusive(async () => {
      log.push("exclusive start");
      await tick();
      log.push("exclusive end");
      return 42;
    });
    const w3 = gate.shared(async () => {
      log.push("w3");
    });
    await tick();
    expect(log).toEqual(["w1 start", "w2"]);
    release();
    expect(await ex).toBe(42);
    await Promise.all([w1, w2, w3]);
    expect(log).toEqual(["w1 start", "w2", "w1 end", "exclusive start", "exclusive end", "w3"]);
  });

  it("a failing exclusive run lets the writes go on; exclusive runs queue one after the other", async () => {
    const gate = new WriteGate();
    const log: string[] = [];
    const a = gate.exclusive(async () => {
      await tick();
      log.push("a");
      throw new Error("refused");
    });
    const b = gate.exclusive(async () => {
      log.push("b");
    });
    const w = gate.shared(async () => {
      log.push("w");
    });
    await expect(a).rejects.toThrow("refused");
    await Promise.all([b, w]);
    expect(log).toEqual(["a", "b", "w"]);
  });
});
