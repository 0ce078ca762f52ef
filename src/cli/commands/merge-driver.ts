import { SecretsError, withFileAsync } from "../../errors.js";

/**
 * `secrets merge-driver %O %A %B %P`, run by git for files with `merge=secrets`: merges the three
 * versions key by key and writes the result over %A. Non-zero exit: conflicts (the file then holds
 * both candidates, still encrypted) or a merge it could not do (%A left as it was).
 */
export async function mergeDriverCommand(base: string, ours: string, theirs: string, filePath: string | undefined): Promise<void> {
  const name = filePath ?? ours;
  const [{ mergeSecretFile }, { mergeConflictError }, { formatForPath, loadStore }, { readInput }, { writeFileAtomic }, { cliWorkspace }, { info }, { git }] = await Promise.all([
    import("../../git/merge-secret.js"),
    import("../../git/errors.js"),
    import("../../files/format.js"),
    import("../../files/secret-file.js"),
    import("../../io/atomic.js"),
    import("../workspace.js"),
    import("../io.js"),
    import("../../git/exec.js"),
  ]);
  const ws = cliWorkspace();
  await withFileAsync(name, async () => {
    const format = formatForPath(name);
    const [o, a, b, store] = await Promise.all([readInput(base), readInput(ours), readInput(theirs), loadStore(format)]);
    const policy = await policyFor(name, () => ws.config());
    const result = await mergeSecretFile({ base: o, ours: a, theirs: b, store, keys: await ws.keys(), policy, emit: { indent: await ws.indentFor(format) } });
    if (result.kind === "plaintext") {
      // Not a secrets file (the attributes pattern is wider than the rule): git's own text merge.
      const r = await git(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs", ours, base, theirs], { okCodes: Array.from({ length: 128 }, (_, i) => i) });
      if (r.code > 0) throw new SecretsError("text-merge-conflict", `merge conflict (${r.code} hunk${r.code === 1 ? "" : "s"}; not an encrypted file: text merge)`);
      return;
    }
    await writeFileAtomic(ours, result.bytes);
    for (const w of result.warnings) info(`secrets: ${name}: ${w}`);
    if (result.conflicts.length) throw mergeConflictError(name, result.conflicts.map((c) => c.path));
  });
}

/**
 * The recipients the `.sops.yaml` rule of the merge result names for this path (several candidates
 * when both sides changed the policy), if a config and a rule with keys exist. During `git merge`
 * the work tree's `.sops.yaml` is still ours, so the merged one is read from git (git/merge-policy.ts).
 */
async function policyFor(file: string, getConfig: () => Promise<import("../../policy/load.js").LoadedConfig | null>) {
  try {
    const config = await getConfig();
    if (!config) return null;
    const [{ matchRule }, { parseConfig }, { mergedPolicyTexts }, { workTreeTop }, path] = await Promise.all([
      import("../../policy/match.js"),
      import("../../policy/load.js"),
      import("../../git/merge-policy.js"),
      import("../../git/repo.js"),
      import("node:path"),
    ]);
    const ruleOf = (cfg: typeof config) => {
      const rule = matchRule(cfg, cfg.dir, file, { requireKeys: false, requireMatch: false });
      return rule && rule.keyGroups.every((g) => g.age.length) ? { groups: rule.keyGroups.map((g) => g.age), shamirThreshold: rule.shamirThreshold } : null;
    };
    const top = await workTreeTop(config.dir);
    const texts = top ? await mergedPolicyTexts(top, path.relative(top, config.path).split(path.sep).join("/"), process.env) : null;
    if (!texts) return ruleOf(config);
    return texts.map((t) => (t === null ? null : ruleOf(parseConfig(t, config.path))));
  } catch (e) {
    if (e instanceof SecretsError) return null; // the policy is only compared: a broken one must not stop a merge
    throw e;
  }
}
