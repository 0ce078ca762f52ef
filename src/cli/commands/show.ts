import { SecretsError, withFileAsync } from "../../errors.js";
import { ShowOptions, parseOptions } from "../option-schemas.js";

/** `secrets show FILE --rev REV`: the file decrypted as it was at a revision. */
export async function showCommand(file: string, raw: unknown): Promise<void> {
  const opts = parseOptions(ShowOptions, raw);
  const [{ openRepo, repoPath, resolveCommit }, { catFileBatch }, { loadStore, resolveFormat }, { openDocument }, { cliWorkspace }, { writeStdout }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/exec.js"),
    import("../../files/format.js"),
    import("../../sops/document.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const ws = cliWorkspace();
  await withFileAsync(file, async () => {
    const repo = await openRepo();
    const commit = await resolveCommit(repo, opts.rev);
    const rel = repoPath(repo, file);
    const [bytes] = await catFileBatch([`${commit}:${rel}`], { cwd: repo.top });
    if (!bytes) throw new SecretsError("no-file", `does not exist at ${opts.rev}`);
    const format = resolveFormat(opts.inputType, file);
    const store = await loadStore(format);
    const stored = store.parseEncrypted(bytes);
    const doc = await openDocument(stored, await ws.keys(), { ignoreMac: opts.ignoreMac });
    const outFormat = opts.outputType ? resolveFormat(opts.outputType, file) : format;
    const out = outFormat === format ? store : await loadStore(outFormat);
    await writeStdout(out.emitPlain(doc.branches, { indent: await ws.indentFor(outFormat) }));
  });
}
