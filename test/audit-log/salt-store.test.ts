import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DirectorySaltStore, SALT_BYTES } from "../../src/audit-log/salt-store.js";
import { SecretsError } from "../../src/errors.js";

const dirs: string[] = [];
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), "audit-salt-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("DirectorySaltStore", () => {
  it("creates a random salt once, keeps it 0600 in the state directory, and returns it after a restart", async () => {
    const dir = stateDir();
    const first = await new DirectorySaltStore(dir).saltFor("file");
    expect(first.length).toBe(SALT_BYTES);
    const file = join(dir, "audit-salt", "file");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(`${Buffer.from(first).toString("hex")}\n`);
    const again = await new DirectorySaltStore(dir).saltFor("file");
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
  });

  it("gives each device its own salt, and concurrent first calls one salt", async () => {
    const store = new DirectorySaltStore(stateDir());
    const [a, b, c] = await Promise.all([store.saltFor("file"), store.saltFor("file"), store.saltFor("stdout")]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("refuses a damaged salt file instead of making a new salt (which would orphan the log's hashes)", async () => {
    const dir = stateDir();
    mkdirSync(join(dir, "audit-salt"));
    writeFileSync(join(dir, "audit-salt", "file"), "abcd\n");
    await expect(new DirectorySaltStore(dir).saltFor("file")).rejects.toSatisfy((e) => e instanceof SecretsError && e.kind === "read-input" && !e.message.includes("abcd"));
  });

  it("refuses a device name that is not one path segment", async () => {
    const store = new DirectorySaltStore(stateDir());
    await expect(store.saltFor("../x")).rejects.toBeInstanceOf(SecretsError);
  });
});
