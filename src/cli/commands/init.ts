import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { appendToKeyFile, defaultKeyFilePath, generateKeyPair } from "../../keys/keygen.js";
import { ownRecipients } from "../../keys/source.js";
import { renderInitialConfig } from "../../policy/init.js";
import { info } from "../io.js";

/**
 * `secrets init`: writes `.sops.yaml` in the current directory with one rule for `secrets/`, granting
 * your own age key (the first identity found the way sops finds them; a new one is generated into the
 * default key file when there is none).
 */
export async function initCommand(opts: { force?: boolean; name?: string; recipient?: string }): Promise<void> {
  const path = resolve(".sops.yaml");
  if (existsSync(path) && !opts.force) throw new SecretsError("conflict", ".sops.yaml already exists (use --force to replace it)");
  let recipient = opts.recipient;
  if (!recipient) {
    const own = await ownRecipients();
    recipient = own[0];
  }
  if (!recipient) {
    const pair = await generateKeyPair({});
    const file = defaultKeyFilePath(process.env);
    await appendToKeyFile(file, pair);
    info(`No age identity found: generated one in ${file}`);
    recipient = pair.recipient;
  }
  await writeFileAtomic(path, renderInitialConfig(recipient, { name: opts.name }), { mode: 0o644 });
  info(`Wrote ${path}: files under secrets/ are encrypted to ${recipient}`);
}
