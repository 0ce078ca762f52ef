import { parseEncryptedFile } from "../../files/secret-file.js";
import { SecretsError } from "../../errors.js";
import { writeStdout } from "../io.js";

/**
 * `secrets filestatus FILE`: `{"encrypted":true}` when the file has sops metadata with both a
 * version and a MAC (sops' rule); false for a plaintext file, even an unparseable one.
 */
export async function filestatusCommand(file: string, opts: { inputType?: string }): Promise<void> {
  let encrypted = false;
  try {
    const { stored } = await parseEncryptedFile(file, opts.inputType);
    const m = stored.metadata as Record<string, unknown> | null;
    encrypted = !!m && typeof m === "object" && !!m.version && !!m.mac;
  } catch (e) {
    if (e instanceof SecretsError && (e.kind === "no-file" || e.kind === "read-input")) throw e;
  }
  await writeStdout(JSON.stringify({ encrypted }) + "\n");
}
