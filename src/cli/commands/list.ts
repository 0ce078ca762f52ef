import { SecretsError } from "../../errors.js";
import { ListOptions, parseOptionsWithSchemaMessages } from "../option-schemas.js";
import { info, writeStdout } from "../io.js";
import { cliWorkspace } from "../workspace.js";

/**
 * `secrets list [PREFIX]`: the secret paths under the secrets root (or under PREFIX), each with the
 * file it lives in. Only key names are read (SecretRepository.list): nothing is decrypted, so no
 * value can be printed and no identity is needed. A PREFIX that matches nothing is an error, as with
 * `run --only` (a typo must not look like an empty folder); an empty root is said on stderr.
 */
export async function listCommand(prefix: string | undefined, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(ListOptions, raw);
  const [{ resolveRoot }, { displayPath }, { renderTable }] = await Promise.all([
    import("../../secrets/root.js"),
    import("../../secrets/resolve.js"),
    import("../../access/report.js"),
  ]);
  const root = resolveRoot({ root: opts.root });
  const repo = await cliWorkspace().repository(root);
  const entries = await repo.list(prefix ?? "");
  if (!entries.length && prefix) throw new SecretsError("not-found", `no secret under ${prefix}`);
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(entries.map((e) => ({ path: e.path, file: displayPath(e.file) })), null, 2) + "\n");
    return;
  }
  if (!entries.length) {
    info(`no secrets under ${displayPath(root)}`);
    return;
  }
  await writeStdout(renderTable(["PATH", "FILE"], entries.map((e) => [e.path, displayPath(e.file)])));
}
