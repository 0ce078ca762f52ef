import { existsSync } from "node:fs";
import { SecretsError, withFileAsync } from "../../errors.js";
import { loadStore, resolveFormat } from "../../files/format.js";
import { openSecretFile, readInput } from "../../files/secret-file.js";
import { withFileLock } from "../../io/lock.js";
import { emitEncrypted, encryptNew, hasData, reencrypt, recipientsFromMetadata, type OpenDocument, type Recipients } from "../../sops/document.js";
import type { EncryptionRule } from "../../sops/metadata.js";
import type { CreationFlags } from "../../workspace/creation.js";
import { readStdin, writeResult } from "../io.js";
import { parseIndent } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

export interface EncryptOptions extends CreationFlags {
  config?: string;
  inPlace?: boolean;
  output?: string;
  inputType?: string;
  outputType?: string;
  filenameOverride?: string;
  indent?: string;
}

function sameRecipients(a: Recipients, b: Recipients): boolean {
  const norm = (r: Recipients) => JSON.stringify(r.groups.map((g) => [...g].sort()));
  return norm(a) === norm(b) && (a.shamirThreshold || 0) === (b.shamirThreshold || 0);
}

function sameRule(a: EncryptionRule | undefined, b: EncryptionRule): boolean {
  const x = a ?? { kind: "unencrypted_suffix", value: "_unencrypted" };
  return x.kind === b.kind && x.value === b.value;
}

/**
 * `secrets encrypt FILE`: encrypts a plaintext file. When the destination already is an encrypted
 * file we can open, under the same recipients and rule, its data key is kept and every unchanged value
 * keeps its ciphertext: re-encrypting an edited plaintext gives a minimal diff (sops does not).
 */
export async function encryptCommand(file: string | undefined, opts: EncryptOptions): Promise<void> {
  if (opts.inPlace && opts.output) throw new SecretsError("conflict", "--in-place and --output cannot be used together");
  if (file === undefined && !opts.filenameOverride) {
    throw new SecretsError("conflict", "reading from stdin needs --filename-override to pick the creation rule and format");
  }
  if (file === undefined && opts.inPlace) throw new SecretsError("conflict", "--in-place needs a file");
  const name = opts.filenameOverride ?? file!;
  const ws = cliWorkspace({ ...opts, indent: parseIndent(opts.indent) });
  const target = opts.inPlace ? file : opts.output;
  // The destination is read (in place: the plaintext; else the previous encryption) and rewritten:
  // under its write lock, like every other writer of a secrets file.
  const locked = target !== undefined && target !== "-" ? <T>(fn: () => Promise<T>) => withFileLock(target, fn) : <T>(fn: () => Promise<T>) => fn();
  await locked(() => withFileAsync(file ?? name, async () => {
    const inFormat = resolveFormat(opts.inputType, name);
    const outFormat = opts.outputType ? resolveFormat(opts.outputType, name) : inFormat;
    const [bytes, inStore, outStore] = await Promise.all([
      file === undefined ? readStdin() : readInput(file),
      loadStore(inFormat),
      loadStore(outFormat),
    ]);
    if (bytes.length === 0) throw new SecretsError("empty-document", "file cannot be completely empty");
    let encryptedAlready = false;
    try {
      encryptedAlready = inStore.parseEncrypted(bytes).metadata !== null;
    } catch {
      // Not an encrypted document (e.g. raw bytes for the binary store); parsePlain judges it next.
    }
    if (encryptedAlready) throw new SecretsError("already-encrypted", "the file is already encrypted (it has sops metadata)");
    const branches = inStore.parsePlain(bytes);
    if (!branches.length || !hasData(branches)) throw new SecretsError("empty-document", "the file has no values to encrypt");

    const creation = await ws.creationFor(name, opts);
    const keys = await ws.keys();

    // Minimal diffs: reuse an existing encrypted destination's data key and IVs when it matches.
    let previous: OpenDocument | null = null;
    if (target && target !== file && existsSync(target)) {
      try {
        const prev = await openSecretFile(target, keys, { inputType: opts.outputType ?? opts.inputType });
        const sameMeta =
          sameRecipients(recipientsFromMetadata(prev.doc.metadata), creation.recipients) &&
          sameRule(creation.encryptionRule, prev.doc.metadata.encryptionRule) &&
          prev.doc.metadata.macOnlyEncrypted === creation.macOnlyEncrypted;
        if (sameMeta) previous = prev.doc;
      } catch {
        previous = null; // not ours to open: encrypt afresh
      }
    }
    const result = previous
      ? reencrypt(previous, branches)
      : await encryptNew(branches, creation.recipients, keys, { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
    const data = emitEncrypted(outStore, result, { indent: await ws.indentFor(outFormat) });
    await writeResult(data, target, { plaintext: false });
  }));
}
