import { appendToKeyFile, defaultKeyFilePath, generateKeyPair } from "../../keys/keygen.js";
import { info, writeStdout } from "../io.js";

/**
 * `secrets keygen [--pq] [-o FILE]`: a new age identity appended to FILE (default: the sops key file,
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` or `~/.config/sops/age/keys.txt`), mode 0600. Prints the
 * recipient (public key) on stdout; the secret key is never printed.
 */
export async function keygenCommand(opts: { pq?: boolean; output?: string }): Promise<void> {
  const pair = await generateKeyPair({ pq: opts.pq });
  const file = opts.output ?? defaultKeyFilePath(process.env);
  await appendToKeyFile(file, pair);
  info(`Identity added to ${file}`);
  await writeStdout(pair.recipient + "\n");
}
