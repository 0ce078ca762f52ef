import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makePrivateTempDir } from "../io/atomic.js";
import { git } from "./exec.js";

/**
 * Line-level three-way merge of decrypted text (a binary-format secret, e.g. a certificate or a
 * config file kept whole) with `git merge-file`. The three plaintexts must be files for git, so they
 * go to a private temp directory (0700, files 0600) that is removed on every path.
 */
export async function mergeText(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array): Promise<{ merged: Buffer; conflicts: number }> {
  const tmp = await makePrivateTempDir("secrets-merge-");
  try {
    const [o, a, b] = ["base", "ours", "theirs"].map((n) => join(tmp.path, n));
    await Promise.all([writeFile(o!, base, { mode: 0o600 }), writeFile(a!, ours, { mode: 0o600 }), writeFile(b!, theirs, { mode: 0o600 })]);
    // Exit status: the number of conflicts (capped at 127); negative or higher means an error.
    const okCodes = Array.from({ length: 128 }, (_, i) => i);
    const r = await git(["merge-file", "-p", "--diff3", "-L", "ours", "-L", "base", "-L", "theirs", a!, o!, b!], { okCodes });
    return { merged: r.stdout, conflicts: r.code };
  } finally {
    await tmp.cleanup();
  }
}
