import { SecretsError, withFile } from "../errors.js";
import { parseDotenv } from "../dotenv-import/dotenv.js";
import { readInput } from "../files/secret-file.js";

/**
 * The plain `.env` that `secrets import` leaves behind (LOG_LEVEL, WORKERS: what it judged not
 * sensitive), read for `secrets run` as dotenvx reads one. Its values are not secrets, which is why
 * they may stay in clear; this module only reads them, it never prints one.
 *
 * A `.env` that is itself a sops file (it has sops' `sops_…` metadata entries) is not plain: its
 * values are ciphertext, so it is not loaded this way (give it to `--file`, which decrypts it).
 */

/** The variables of a plain .env file; `null` when there is no such file or it is sops-encrypted. */
export async function readPlainDotenv(file: string): Promise<Map<string, string> | null> {
  let text: string;
  try {
    text = (await readInput(file)).toString("utf8");
  } catch (e) {
    if (e instanceof SecretsError && e.kind === "no-file") return null;
    throw e;
  }
  const entries = withFile(file, () => parseDotenv(text));
  if (entries.some((e) => e.key.startsWith("sops_"))) return null;
  return new Map(entries.map((e) => [e.key, e.value]));
}
