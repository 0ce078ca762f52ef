import { SecretsError, withFileAsync } from "../../errors.js";
import { openSecretFile } from "../../files/secret-file.js";
import { getPath, parseTreePath } from "../../sops/path.js";
import { Branch, toPlain } from "../../sops/tree.js";
import { writeStdout } from "../io.js";
import { cliWorkspace } from "../workspace.js";

/**
 * `secrets get FILE PATH`: one value, raw (a string exactly as stored, no newline added, so
 * `secrets get f k > out` is byte-exact); maps and lists as JSON.
 */
export async function getCommand(file: string, pathText: string, opts: { ignoreMac?: boolean; inputType?: string; root?: string }): Promise<void> {
  if (opts.root !== undefined) throw new SecretsError("usage", "--root applies to the one-argument form (secrets get SECRET_PATH) only");
  const path = parseTreePath(pathText);
  const keys = await cliWorkspace().keys();
  const opened = await openSecretFile(file, keys, { ...opts, readOnly: true });
  await withFileAsync(file, async () => {
    const value = getPath(opened.doc.branches[0] ?? new Branch(), path);
    if (value === undefined) throw new SecretsError("not-found", `no value at ${pathText}`);
    if (typeof value === "string") return writeStdout(value);
    if (value instanceof Uint8Array) return writeStdout(value);
    const plain = toPlain(value);
    if (plain !== null && typeof plain === "object") {
      return writeStdout(JSON.stringify(plain, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
    }
    return writeStdout(String(plain));
  });
}

/**
 * `secrets get SECRET_PATH`: one secret by path (`app/DATABASE_URL`), printed like the two-argument
 * form prints a value.
 */
export async function getSecretCommand(secretPath: string, opts: { root?: string; inputType?: string; ignoreMac?: boolean }): Promise<void> {
  if (opts.inputType !== undefined || opts.ignoreMac) {
    throw new SecretsError("usage", "--input-type and --ignore-mac apply to the FILE PATH form only (a secret path reads the file as it is named)");
  }
  const { resolveRoot } = await import("../../secrets/root.js");
  const repo = await cliWorkspace().repository(resolveRoot({ root: opts.root }));
  const value = await repo.read(secretPath);
  if (typeof value === "string") return writeStdout(value);
  if (value !== null && typeof value === "object") {
    return writeStdout(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
  }
  return writeStdout(String(value));
}
