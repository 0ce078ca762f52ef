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
  /** `--env NAME`: the secrets under `<root>/NAME/` only (and, for `run`, `.env.NAME` over `.env`). */
  env?: string;
}

/** The root a selection reads: the secrets root, or with `--env NAME` its folder NAME. */
export async function selectionRoot(o: SelectionOptions): Promise<string> {
  const [{ resolveRoot, environmentRoot }, { parseEnvName }] = await Promise.all([import("../../secrets/root.js"), import("../option-schemas.js")]);
  const root = resolveRoot({ root: o.root });
  const env = parseEnvName(o.env);
  return env === undefined ? root : environmentRoot(root, env);
}

/** The variables a selection gives (shared with `export`). */
export async function environmentFor(o: SelectionOptions): Promise<Map<string, string>> {
  const [{ buildEnvironment }, { cliWorkspace }] = await Promise.all([import("../../secrets/env.js"), import("../workspace.js")]);
  const repo = await cliWorkspace().repository(await selectionRoot(o));
  const only = (o.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  return buildEnvironment(await repo.select({ files: o.file ?? [], only, allowUnauthenticated: !!o.allowUnauthenticated }));
}

/** Where sops looks for age identities; never inherited by `run`'s command unless asked. */
const KEY_SOURCE_VARIABLES: ReadonlySet<string> = new Set(["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE"]);

/** Our environment for a command: the command gets the secrets it was given, not the means to decrypt every other one. */
export function childEnvironment(keepKeyEnv: boolean | undefined): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => keepKeyEnv || !KEY_SOURCE_VARIABLES.has(k)));
}

/** The options of `secrets run`: a selection, whether the key variables are passed on, whether ./.env is read. */
export interface RunCommandOptions extends SelectionOptions {
  keepKeyEnv?: boolean;
  /** commander's `--no-dotenv`: false when given. */
  dotenv?: boolean;
}

/** Runs COMMAND with the selected secrets in its environment; its exit status becomes the CLI's. */
export async function runCommand(command: string[], o: RunCommandOptions): Promise<void> {
  const vars = await environmentFor(o);
  // As dotenvx does: say so, then run anyway. A command that needs a secret fails on its own, in its
  // words; one that does not (a build step run the same way everywhere) should not be stopped. With
  // --file or --only nothing is silent already: a name that matches nothing is an error.
  if (vars.size === 0 && !o.file?.length && !o.only?.length) {
    const [{ displayPath }, { info }] = await Promise.all([import("../../secrets/resolve.js"), import("../io.js")]);
    info(`secrets run: no secrets found under ${displayPath(await selectionRoot(o))}; running the command without any`);
  }
  const { runWithEnvironment } = await import("../../secrets/child.js");
  const env = childEnvironment(o.keepKeyEnv);
  // The plain .env import left behind, as dotenvx loads it: below what is already set (dotenvx does
  // not override the environment either), below the encrypted values (a key in both is a secret that
  // was moved, or one someone re-added in clear: the encrypted one is the one that is kept up to date).
  // Not with --only, which names exactly what the command gets. With --env NAME, `.env.NAME` is read
  // too and wins over `.env` (dotenvx's order: the more specific file first).
  if (o.dotenv !== false && !o.only?.length) {
    const { readPlainDotenv } = await import("../../secrets/plain-dotenv.js");
    const plain = new Map<string, string>();
    for (const file of o.env === undefined ? [".env"] : [".env", `.env.${o.env}`]) for (const [k, v] of (await readPlainDotenv(file)) ?? []) plain.set(k, v);
    for (const [k, v] of plain) if (env[k] === undefined) env[k] = v;
  }
  for (const [k, v] of vars) env[k] = v;
  // The command's own status is the result, not an error: `secrets run` exits with it as given.
  process.exitCode = await runWithEnvironment(command[0]!, command.slice(1), env);
}
