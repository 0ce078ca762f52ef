import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { makePrivateTempDir, writeFileAtomic } from "../../src/io/atomic.js";

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "atomic-test-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;
const SECRET = "value-that-must-not-appear-in-errors";

function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code, syscall });
}

async function rejection(p: Promise<unknown>): Promise<SecretsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecretsError);
    return e as SecretsError;
  }
  throw new Error("expected a rejection");
}

describe("writeFileAtomic", () => {
  it("creates a new file (string or bytes) with the umask default mode and leaves no temp file", async () => {
    const d = tmp();
    const target = path.join(d, "a.enc.yaml");
    await writeFileAtomic(target, "héllo: 1\n");
    expect(fs.readFileSync(target, "utf8")).toBe("héllo: 1\n");
    expect(modeOf(target)).toBe(0o666 & ~process.umask());
    await writeFileAtomic(path.join(d, "b.bin"), new Uint8Array([0, 255, 7]));
    expect([...fs.readFileSync(path.join(d, "b.bin"))]).toEqual([0, 255, 7]);
    expect(fs.readdirSync(d).sort()).toEqual(["a.enc.yaml", "b.bin"]);
  });

  it("keeps an existing file's mode, and applies an explicit mode exactly (umask ignored)", async () => {
    const d = tmp();
    const target = path.join(d, "s.yaml");
    fs.writeFileSync(target, "old");
    fs.chmodSync(target, 0o640);
    await writeFileAtomic(target, "new");
    expect(fs.readFileSync(target, "utf8")).toBe("new");
    expect(modeOf(target)).toBe(0o640);

    await writeFileAtomic(target, "plain", { mode: 0o600 });
    expect(modeOf(target)).toBe(0o600);
    const wide = path.join(d, "wide");
    await writeFileAtomic(wide, "x", { mode: 0o664 });
    expect(modeOf(wide)).toBe(0o664);
  });

  it("writes the temp file 0600 in the target's directory, and a new file is 0600 until renamed", async () => {
    const d = tmp();
    const target = path.join(d, "new.yaml");
    const seen: Array<{ from: string; mode: number }> = [];
    const realRename = fs.promises.rename.bind(fs.promises);
    vi.spyOn(fs.promises, "rename").mockImplementation(async (from, to) => {
      seen.push({ from: String(from), mode: modeOf(String(from)) });
      return realRename(from, to);
    });
    await writeFileAtomic(target, "data");
    expect(seen).toHaveLength(1);
    expect(path.dirname(seen[0]!.from)).toBe(d);
    expect(path.basename(seen[0]!.from)).toMatch(/^\.new\.yaml\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(seen[0]!.mode).toBe(0o600);
    expect(modeOf(target)).toBe(0o666 & ~process.umask());

    // A replaced file has its final mode before it appears under the target name.
    fs.chmodSync(target, 0o644);
    await writeFileAtomic(target, "data2");
    expect(seen[1]!.mode).toBe(0o644);
  });

  it("keeps the old file and removes the temp file when the rename fails", async () => {
    const d = tmp();
    const target = path.join(d, "s.yaml");
    fs.writeFileSync(target, "old content");
    vi.spyOn(fs.promises, "rename").mockRejectedValue(errnoError("EXDEV", "rename"));
    const e = await rejection(writeFileAtomic(target, SECRET));
    expect(e.kind).toBe("write-output");
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(target);
    expect(e.message).toContain("EXDEV");
    expect(e.message).not.toContain(SECRET);
    expect(fs.readFileSync(target, "utf8")).toBe("old content");
    expect(fs.readdirSync(d)).toEqual(["s.yaml"]);
  });

  it("keeps the old file when the write fails midway (disk full)", async () => {
    const d = tmp();
    const target = path.join(d, "s.yaml");
    fs.writeFileSync(target, "old content");
    const realOpen = fs.promises.open.bind(fs.promises);
    let partial = "";
    vi.spyOn(fs.promises, "open").mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const fh = await realOpen(...args);
      fh.writeFile = async (data: unknown) => {
        const bytes = data as Uint8Array;
        await fh.write(bytes.subarray(0, bytes.length >> 1));
        partial = String(args[0]);
        throw errnoError("ENOSPC", "write");
      };
      return fh;
    });
    const e = await rejection(writeFileAtomic(target, SECRET.repeat(100)));
    expect(partial).not.toBe("");
    expect(e.message).toContain("ENOSPC");
    expect(e.message).not.toContain(SECRET);
    expect(fs.readFileSync(target, "utf8")).toBe("old content");
    expect(fs.existsSync(partial)).toBe(false);
    expect(fs.readdirSync(d)).toEqual(["s.yaml"]);
  });

  it("keeps the old file when fsync fails", async () => {
    const d = tmp();
    const target = path.join(d, "s.yaml");
    fs.writeFileSync(target, "old");
    const realOpen = fs.promises.open.bind(fs.promises);
    vi.spyOn(fs.promises, "open").mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const fh = await realOpen(...args);
      fh.sync = async () => {
        throw errnoError("EIO", "fsync");
      };
      return fh;
    });
    const e = await rejection(writeFileAtomic(target, "new"));
    expect(e.message).toContain("EIO");
    expect(fs.readFileSync(target, "utf8")).toBe("old");
    expect(fs.readdirSync(d)).toEqual(["s.yaml"]);
  });

  it("fails cleanly on a real error: missing directory, or a directory as target", async () => {
    const d = tmp();
    let e = await rejection(writeFileAtomic(path.join(d, "missing", "x.yaml"), "x"));
    expect(e.kind).toBe("write-output");
    expect(e.message).toContain("ENOENT");
    fs.mkdirSync(path.join(d, "sub"));
    fs.writeFileSync(path.join(d, "sub", "keep"), "k");
    e = await rejection(writeFileAtomic(path.join(d, "sub"), "x"));
    expect(e.message).toContain("EISDIR");
    expect(fs.readdirSync(d)).toEqual(["sub"]);
    expect(fs.readdirSync(path.join(d, "sub"))).toEqual(["keep"]);
  });

  it("replaces the file a symlink points to and keeps the link", async () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, "real"));
    const real = path.join(d, "real", "s.yaml");
    fs.writeFileSync(real, "old");
    const link = path.join(d, "link.yaml");
    fs.symlinkSync(path.join("real", "s.yaml"), link);
    await writeFileAtomic(link, "new");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, "utf8")).toBe("new");
    expect(fs.readdirSync(path.join(d, "real"))).toEqual(["s.yaml"]);
  });
});

describe("makePrivateTempDir", () => {
  it("creates a 0700 directory under os.tmpdir() and removes it with its content", async () => {
    const t = await makePrivateTempDir("secrets-test-");
    expect(path.dirname(t.path)).toBe(path.resolve(os.tmpdir()));
    expect(path.basename(t.path).startsWith("secrets-test-")).toBe(true);
    expect(modeOf(t.path)).toBe(0o700);
    fs.writeFileSync(path.join(t.path, "plain.yaml"), "secret: 1", { mode: 0o600 });
    fs.mkdirSync(path.join(t.path, "nested"));
    await t.cleanup();
    expect(fs.existsSync(t.path)).toBe(false);
    await t.cleanup(); // idempotent
  });

  it("has a synchronous cleanup for signal handlers", async () => {
    const t = await makePrivateTempDir();
    fs.writeFileSync(path.join(t.path, "f"), "x");
    t.cleanupSync();
    expect(fs.existsSync(t.path)).toBe(false);
    t.cleanupSync();
  });

  it("gives distinct directories and rejects a prefix with a path separator", async () => {
    const a = await makePrivateTempDir("x-");
    const b = await makePrivateTempDir("x-");
    expect(a.path).not.toBe(b.path);
    await a.cleanup();
    await b.cleanup();
    await expect(makePrivateTempDir("../evil-")).rejects.toThrow(SecretsError);
  });
});
