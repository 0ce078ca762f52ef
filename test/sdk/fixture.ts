import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { formatForPath, loadStore } from "../../src/files/format.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { renderInitialConfig } from "../../src/policy/init.js";
import { emitEncrypted, encryptNew } from "../../src/sops/document.js";
import type { EncryptionRule } from "../../src/sops/metadata.js";
import { fromPlain, type Branch } from "../../src/sops/tree.js";
import { keySourceFromIdentities } from "../../src/sdk/keys.js";

/**
 * A repository on disk for SDK and secret-path tests: a temp folder with a `.sops.yaml` whose rule
 * encrypts `secrets/` to a fresh age key, and a helper that writes encrypted files directly (through
 * the format layer, not the code under test).
 */
export interface Fixture {
  dir: string;
  root: string;
  identity: string;
  recipient: string;
  /** Writes `secrets/<rel>` encrypted, with the plain data given. */
  put(rel: string, data: Record<string, unknown>, opts?: { rule?: EncryptionRule; recipient?: string }): Promise<string>;
  cleanup(): void;
}

export async function makeFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "secrets-sdk-"));
  const { identity, recipient } = await generateKeyPair();
  writeFileSync(join(dir, ".sops.yaml"), renderInitialConfig(recipient));
  const root = join(dir, "secrets");
  mkdirSync(root);
  const keys = keySourceFromIdentities([identity]);
  return {
    dir,
    root,
    identity,
    recipient,
    async put(rel, data, opts = {}) {
      const file = join(root, rel);
      mkdirSync(dirname(file), { recursive: true });
      const format = formatForPath(file);
      const branch = fromPlain(data) as Branch;
      const enc = await encryptNew([branch], { groups: [[opts.recipient ?? recipient]] }, keys, { encryptionRule: opts.rule });
      writeFileSync(file, emitEncrypted(await loadStore(format), enc));
      return file;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
