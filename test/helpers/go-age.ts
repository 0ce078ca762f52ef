import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";

/**
 * The Go `age` and `age-keygen` binaries, for the tests in `npm run test:interop` (never `npm test`,
 * which needs only Node.js, npm and git). Found on PATH; test/interop/programs.mjs names the package.
 */

const tmp = mkdtempSync(join(tmpdir(), "go-age-"));

/** Runs a Go age tool; fails the test with its stderr unless it exits 0. */
export function goTool(tool: "age" | "age-keygen", args: string[], input?: string | Uint8Array): Buffer {
  const r = spawnSync(tool, args, { input, maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

/** An identity file for `age -i`. */
export function identityFile(identity: string): string {
  const file = join(tmp, `id-${randomBytes(4).toString("hex")}.txt`);
  writeFileSync(file, identity + "\n");
  return file;
}

/** `age -d -i` with this identity. */
export function goDecrypt(identity: string, file: string | Uint8Array): Buffer {
  return goTool("age", ["-d", "-i", identityFile(identity)], file);
}
