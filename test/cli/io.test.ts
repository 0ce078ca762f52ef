import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * writeStdout goes straight to fd 1 and falls back to process.stdout only when fd 1 is non-blocking
 * and full. fs.writeSync is replaced here to play such a stdout; the end-to-end tests cover the
 * real one (every CLI test reads the command's stdout through a pipe).
 */

const written: string[] = [];
let eagainAfter = Infinity;
let failWith: string | null = null;
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    writeSync: (fd: number, buf: Uint8Array, off: number, len: number) => {
      expect(fd).toBe(1);
      if (failWith) throw Object.assign(new Error(`${failWith}: write failed`), { code: failWith });
      if (eagainAfter <= 0) throw Object.assign(new Error("EAGAIN: resource temporarily unavailable, write"), { code: "EAGAIN" });
      // A pipe takes at most a few bytes per write here: the loop must finish the job.
      const n = Math.min(len, 3, eagainAfter);
      eagainAfter -= n;
      written.push(Buffer.from(buf.subarray(off, off + n)).toString());
      return n;
    },
  };
});

afterEach(() => {
  written.length = 0;
  eagainAfter = Infinity;
  failWith = null;
  vi.restoreAllMocks();
});

describe("writeStdout", () => {
  it("writes everything to fd 1, across partial writes, without creating process.stdout", async () => {
    const { writeStdout } = await import("../../src/cli/io.js");
    const stream = vi.spyOn(process.stdout, "write");
    await writeStdout("hello, world\n");
    await writeStdout(Buffer.from("é\n"));
    expect(written.join("")).toBe("hello, world\né\n");
    expect(stream).not.toHaveBeenCalled();
  });

  it("hands the rest to process.stdout when fd 1 is full (EAGAIN), and keeps using it, in order", async () => {
    vi.resetModules();
    const { writeStdout } = await import("../../src/cli/io.js");
    const viaStream: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: Uint8Array, cb: (err?: Error | null) => void) => {
      viaStream.push(Buffer.from(chunk).toString());
      cb(null);
      return true;
    }) as typeof process.stdout.write);
    eagainAfter = 5;
    await writeStdout("0123456789");
    eagainAfter = Infinity;
    await writeStdout("next");
    expect(written.join("")).toBe("01234");
    expect(viaStream).toEqual(["56789", "next"]);
  });

  it("rejects with the write error (e.g. EPIPE), which the caller reports", async () => {
    vi.resetModules();
    const { writeStdout } = await import("../../src/cli/io.js");
    failWith = "EPIPE";
    await expect(writeStdout("x")).rejects.toMatchObject({ code: "EPIPE" });
  });
});
