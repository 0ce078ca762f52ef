import { SecretsError } from "../../errors.js";
import { CheckOptions, parseOptions } from "../option-schemas.js";

/** `secrets check --staged`: the commit guard (run by the pre-commit hook `secrets git setup --hooks` installs). */
export async function checkCommand(raw: unknown): Promise<void> {
  const opts = parseOptions(CheckOptions, raw);
  if (!opts.staged) throw new SecretsError("usage", "say what to check: --staged (the index, as a pre-commit hook does)");
  const [{ openRepo }, { checkStaged }, { checkRefusedError }, { cliWorkspace }, { info }] = await Promise.all([
    import("../../git/repo.js"),
    import("../../git/check.js"),
    import("../../git/errors.js"),
    import("../workspace.js"),
    import("../io.js"),
  ]);
  const ws = cliWorkspace(opts);
  const repo = await openRepo();
  const { problems } = await checkStaged(repo, await ws.config());
  if (!problems.length) return;
  for (const p of problems) info(`${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  throw checkRefusedError(problems.length, new Set(problems.map((p) => p.file)).size);
}
