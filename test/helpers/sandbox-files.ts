import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openSecretFile } from "../../src/files/secret-file.js";
import { keySourceFromIdentities } from "../../src/sdk/keys.js";
import { toPlainValue, type PlainValue } from "../../src/sops/tree.js";
import type { Sandbox } from "./cli.js";

/** The identity `secrets keygen` wrote to the sandbox's default key file. */
export function sandboxIdentity(sb: Sandbox): string {
  const text = readFileSync(join(sb.dir, "config", "sops", "age", "keys.txt"), "utf8");
  const id = /^AGE-SECRET-KEY-\S+$/m.exec(text);
  if (!id) throw new Error("the sandbox's key file holds no age identity");
  return id[0];
}

/**
 * A sandbox file's values, decrypted in this process with the sandbox's key (MAC checked), as
 * `secrets decrypt --output-type json FILE` gives them: for tests that check a file many times, where
 * a decrypt process each time would cost Node's start-up. Throws what decrypt fails with.
 */
export async function decryptedValues(sb: Sandbox, rel: string): Promise<PlainValue> {
  const opened = await openSecretFile(sb.path(rel), keySourceFromIdentities([sandboxIdentity(sb)]), { readOnly: true });
  return opened.doc.branches[0] ? toPlainValue(opened.doc.branches[0]) : {};
}
