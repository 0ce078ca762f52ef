import type { Command } from "commander";

/**
 * `secrets run [--file F]... [--only PATHS] -- CMD ARGS...`: runs CMD with secrets in its
 * environment (each value under its key path in UPPER_SNAKE), signals passed on, its exit status
 * returned.
 */

export interface SelectionOptions {
  file?: string[];
  only?: string[];
  root?: string;
  allowUnauthenticated?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--file`, `--only`, `--root`, `--allow-unauthenticated`: the selection options `run` and `export` share. */
export function selectionOptions(cmd: Command): Command {
  return cmd
    .option("--file <file>", "inject every value of this encrypted file (repeatable)", collect)
    .option("--only <paths>", "inject only the secrets under these secret paths, comma-separated (repeatable)", collect)
    .option("--root <dir>", "the secrets root (default: $SECRETS_ROOT, else secrets/ beside .sops.yaml)")
    .option("--allow-unauthenticated", "also inject values the file's MAC does not cover (\"\", null, {}, [], values in clear), which anyone can add without a key");
}

/** The variables a selection gives (shared with `export`). */
export async function environmentFor(o: SelectionOptions): Promise<Map<string, string>> {
  const [{ resolveRoot }, { buildEnvironment }, { cliWorkspace }] = await Promise.all([
    import("../../secrets/root.js"),
    import("../../secrets/env.js"),
    import("../workspace.js"),
  ]);
  const repo = await cliWorkspace().repository(resolveRoot({ root: o.root }));
  const only = (o.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  return buildEnvironment(await repo.select({ files: o.file ?? [], only, allowUnauthenticated: !!o.allowUnauthenticated }));
}

/** Where sops looks for age identities; never inherited by `run`'s command unless asked. */
const KEY_SOURCE_VARIABLES = ["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE"] as const;

export function registerRunCommand(program: Command): void {
  selectionOptions(
    program
      .command("run")
      .description("run a command with secrets in its environment (nested keys as UPPER_SNAKE)")
      .argument("<command...>", "the command and its arguments, after --"),
  )
    .addHelpText("after", "\nExamples:\n  $ secrets run -- node server.js\n  $ secrets run --only app/DATABASE_URL,app/API_KEY -- ./migrate.sh\n  $ secrets run --file secrets/ci.yaml -- npm test\n")
    .option("--keep-key-env", "pass the age key variables (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, SOPS_AGE_SSH_PRIVATE_KEY_FILE) on to the command")
    .action(async (command: string[], o: SelectionOptions & { keepKeyEnv?: boolean }) => {
      const vars = await environmentFor(o);
      const { runWithEnvironment } = await import("../../secrets/child.js");
      const env: NodeJS.ProcessEnv = { ...process.env };
      // The command gets the secrets it was given, not the means to decrypt every other one.
      if (!o.keepKeyEnv) for (const k of KEY_SOURCE_VARIABLES) delete env[k];
      for (const [k, v] of vars) env[k] = v;
      // The command's own status is the result, not an error: `secrets run` exits with it as given.
      process.exitCode = await runWithEnvironment(command[0]!, command.slice(1), env);
    });
}
