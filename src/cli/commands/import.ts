import type { Command } from "commander";

/**
 * `secrets import FILE`: moves the secrets of a `.env` (or JSON/YAML) file into an encrypted file
 * under the policy and rewrites the source without them. Prints the plan, names only.
 */

export interface ImportCommandOptions {
  to?: string;
  root?: string;
  dryRun?: boolean;
  all?: boolean;
  overwrite?: boolean;
  history?: boolean;
}

/**
 * For the interrupted-import tests only: when this variable names a step (`planned`,
 * `secrets-written`, `source-written`), the command says so on stderr and waits there until killed.
 */
export const TEST_PAUSE_VARIABLE = "SECRETS_TEST_PAUSE_IMPORT_AT";

export function registerImportCommand(program: Command): void {
  program
    .command("import")
    .description("move the secrets of a .env (or JSON/YAML) file into an encrypted file; the rest stays")
    .argument("<file>", "the .env, .json or .yaml file to import")
    .option("--to <file>", "the encrypted file to write or merge into (default: <root>/app.yaml)")
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .option("--dry-run", "print the plan, change nothing")
    .option("--all", "import every entry, not only the sensitive ones")
    .option("--overwrite", "replace values the target already has with different ones")
    .option("--no-history", "do not look for the file in git history")
    .addHelpText("after", "\nExamples:\n  $ secrets import .env --dry-run\n  $ secrets import .env\n  $ secrets import config/prod.json --to secrets/prod.yaml\n")
    .action(async (file: string, o: ImportCommandOptions) => importCommand(file, o));
}

async function importCommand(file: string, o: ImportCommandOptions): Promise<void> {
  const [{ importSecrets }, { resolveRoot }, ctx, { info, writeStdout }, path] = await Promise.all([
    import("../../dotenv-import/import.js"),
    import("../../secrets/root.js"),
    import("../context.js"),
    import("../io.js"),
    import("node:path"),
  ]);
  const root = resolveRoot({ root: o.root });
  const target = o.to ?? path.relative(process.cwd(), path.join(root, "app.yaml"));
  const pauseAt = process.env[TEST_PAUSE_VARIABLE];
  const result = await importSecrets({
    source: file,
    target,
    root,
    all: o.all,
    dryRun: o.dryRun,
    overwrite: o.overwrite,
    history: o.history,
    keys: await ctx.getKeySource(),
    creationFor: (f) => ctx.creationFor(f, {}),
    indentFor: (f) => ctx.indentFor(f),
    onStep: async (step) => {
      if (step !== pauseAt) return;
      info(`paused at ${step}`);
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    },
  });

  const lines: string[] = [];
  const moved = result.entries.filter((e) => e.action !== "keep");
  const kept = result.entries.filter((e) => e.action === "keep");
  lines.push(`${o.dryRun ? "plan (dry run, nothing written)" : "import"}: ${file} -> ${target}${result.targetExisted ? "" : " (new file)"}`);
  const width = Math.max(0, ...result.entries.map((e) => e.name.length));
  const label: Record<string, string> = { move: "encrypt", replace: "replace", unchanged: "already there", conflict: "CONFLICT", keep: "keep" };
  for (const e of [...moved, ...kept]) {
    const where = e.action !== "keep" && e.secretPath ? `  as ${e.secretPath}` : "";
    const why = e.reason ? `  (${e.reason})` : "";
    lines.push(`  ${label[e.action]!.padEnd(13)} ${where || why ? e.name.padEnd(width) : e.name}${where}${why}`);
  }
  if (!moved.length) lines.push("nothing to import: no entry looks like a secret (use --all to import everything)");
  else if (!o.dryRun) lines.push(`${moved.length} secret${moved.length === 1 ? "" : "s"} in ${target}; ${file} keeps ${kept.length} entr${kept.length === 1 ? "y" : "ies"}`);
  await writeStdout(lines.join("\n") + "\n");

  const h = result.history;
  if (h && (h.commits > 0 || h.tracked)) {
    if (h.exposed.length) {
      info(`warning: ${file} was committed to git (${h.commits} commit${h.commits === 1 ? "" : "s"}${h.tracked ? ", and it is tracked" : ""}); these values are in the repository's history and must be rotated: ${h.exposed.join(", ")}`);
    } else {
      info(`warning: ${file} was committed to git (${h.commits} commit${h.commits === 1 ? "" : "s"}), though not with the current values of the secrets imported`);
    }
    if (h.earlierValues.length) info(`warning: earlier values of ${h.earlierValues.join(", ")} are in git history too; revoke them if they still work anywhere`);
    if (h.tracked) info(`note: ${file} is tracked by git: commit its new version, or \`git rm --cached ${file}\` and add it to .gitignore`);
  }
}
