/**
 * A SCRAM-SHA-256 verifier of a password, in the form PostgreSQL stores in `pg_authid.rolpassword`
 * and accepts in `PASSWORD '…'`: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC
 * 5802/7677; PostgreSQL's scram-common.c, and Vault's plugin's scram.Hash with the same constants:
 * 16 random bytes of salt, 4096 iterations). With `password_authentication: scram-sha-256` the
 * engine sends this instead of the password, so the password never reaches the server, its logs
 * (`log_statement`) or `pg_stat_statements`.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

const SALT_BYTES = 16;
const ITERATIONS = 4096;
const KEY_BYTES = 32;

export function scramSha256Verifier(password: string, salt: Uint8Array = randomBytes(SALT_BYTES), iterations = ITERATIONS): string {
  // PostgreSQL SASLprep-normalizes the password first; the passwords made here are ASCII, where that changes nothing.
  const salted = pbkdf2Sync(password, salt, iterations, KEY_BYTES, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
