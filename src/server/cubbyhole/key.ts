/**
 * The key the server's cubbyholes are encrypted under: 32 random bytes (AES-256), made on first use
 * and kept in `<stateDir>/cubbyhole/key.age`, age-encrypted to the server's own identity (the
 * first one it loads), mode 0600. So the state directory alone — a backup, a copied `.git` — does
 * not open a cubbyhole: that takes the server's identity too, which lives elsewhere (the sops key
 * file, SOPS_AGE_KEY…). The key is opened once per server and held in memory.
 *
 * If no identity of the server opens the key (the identity was replaced), every cubbyhole request
 * fails with kind `config` naming the file: deleting the cubbyhole folder starts afresh (its
 * contents were per-token scratch space, as in Vault, and cannot be read without that identity).
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { IdentitySet } from "../../keys/identities.js";
import { unwrapDataKey, wrapDataKey } from "../../keys/wrap.js";

export const CUBBYHOLE_KEY_FILE = "key.age";

/** AES-256: 32 bytes. */
const KEY_BYTES = 32;

/** The cubbyhole key in `dir`, made (and wrapped to the first identity's recipient) when there is none. */
export async function cubbyholeKey(dir: string, identities: IdentitySet): Promise<Buffer> {
  const file = path.join(dir, CUBBYHOLE_KEY_FILE);
  let armored: string | undefined;
  try {
    armored = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot read ${file}`, { cause: e });
  }
  if (armored !== undefined) {
    const key = await unwrapDataKey(armored, identities);
    if (key === null || key.length !== KEY_BYTES) {
      throw new SecretsError("config", `${file} opens with none of the server's identities: delete ${dir} to start the cubbyholes afresh`);
    }
    return Buffer.from(key);
  }
  const first = identities.identities[0];
  if (first === undefined) throw new SecretsError("config", "the server has no identity to keep the cubbyhole key with");
  const key = randomBytes(KEY_BYTES);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, await wrapDataKey(key, await first.recipient()), { mode: 0o600 });
  return key;
}
