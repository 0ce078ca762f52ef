import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { SecretsError } from "../errors.js";
import { bech32Encode } from "./age/bech32.js";
import { parseIdentity } from "./age/identity.js";
import { encodeX25519Identity } from "./age/x25519.js";

export { defaultKeyFilePath } from "./identities.js";

/**
 * New age identities, and the key file they go to (age-keygen's format, sops' default location).
 */

export interface KeyPair {
  /** The secret key (`AGE-SECRET-KEY-1…` or `AGE-SECRET-KEY-PQ-1…`). Never print or log it. */
  identity: string;
  /** Its public key (`age1…` or `age1pq1…`). */
  recipient: string;
}

/**
 * Generates a key pair: X25519 by default (node:crypto only), ML-KEM-768 + X25519 hybrid with
 * `pq` (loads age-encryption to derive the 1,959-character recipient). Never throws in practice.
 */
export async function generateKeyPair(opts: { pq?: boolean } = {}): Promise<KeyPair> {
  const seed = randomBytes(32);
  const identity = opts.pq ? bech32Encode("AGE-SECRET-KEY-PQ-", seed, true) : encodeX25519Identity(seed);
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * The recipient of an identity string (`age-keygen -y`). Throws SecretsError kind `config`, without
 * echoing the input, when it is not a supported identity.
 */
export async function identityToRecipient(identity: string): Promise<string> {
  let id;
  try {
    id = parseIdentity(identity);
  } catch (e) {
    throw new SecretsError("config", `not a usable age identity: ${(e as Error).message}`);
  }
  return id.recipient();
}

/** Go's RFC 3339 in UTC, to the second: `2026-01-02T03:04:05Z`. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The three lines age-keygen writes for one identity. */
export function formatKeyFileEntry(pair: KeyPair, created: Date = new Date()): string {
  return `# created: ${rfc3339(created)}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

/**
 * Appends `pair` to the identity file at `path` in age-keygen's format. Missing parent directories
 * are created with mode 0700 and a new file with mode 0600; an existing file keeps its mode and
 * gets a newline first if its last line lacks one. Throws SecretsError kind `write-output` naming
 * the file when it cannot be written, and when an existing file is readable by group or others:
 * a secret key must never land in a readable file, and changing the mode behind the user's back would
 * hide that the keys already in it were exposed (age-keygen only warns; it never appends).
 */
export async function appendToKeyFile(path: string, pair: KeyPair, opts: { created?: Date } = {}): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(path, "a+", 0o600);
    try {
      // Checked on the open descriptor, so the file checked is the file written.
      const { size, mode } = await fh.stat();
      if (process.platform !== "win32" && (mode & 0o077) !== 0) {
        const octal = (mode & 0o777).toString(8).padStart(4, "0");
        throw new SecretsError("write-output", `the age key file is readable by others (mode ${octal}); refusing to add a secret key to it: run \`chmod 600 ${path}\` first (the keys already in it may have been exposed)`, { file: path });
      }
      let prefix = "";
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = "\n";
      }
      await fh.appendFile(prefix + formatKeyFileEntry(pair, opts.created));
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof SecretsError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "unknown error";
    throw new SecretsError("write-output", `cannot write the age key file (${code})`, { file: path, cause: e });
  }
}
