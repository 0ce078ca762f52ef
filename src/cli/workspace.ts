import { SecretsError } from "../errors.js";
import type { LoadedConfig } from "../policy/load.js";
import { Workspace } from "../workspace/workspace.js";
import { info } from "./io.js";

/**
 * The CLI's Workspace: one per run, made by the command that runs, from the working directory, the
 * environment and the command's `--config`. Keys sops ignores and a config without rules are warned
 * about on stderr when the config is first loaded, unless `quiet` (verify reports them as errors).
 */
export function cliWorkspace(opts: { config?: string | undefined; quiet?: boolean; indent?: number | undefined } = {}): Workspace {
  return new Workspace({
    startDir: process.cwd(),
    env: process.env,
    configPath: opts.config || undefined,
    // sops' --age flag takes its default from this variable.
    defaultAge: process.env.SOPS_AGE_RECIPIENTS,
    ...(opts.indent !== undefined ? { indent: opts.indent } : {}),
    onConfigFindings: opts.quiet
      ? undefined
      : (findings, config) => {
          for (const f of findings) info(`secrets: warning: ${config.path}${f.line ? `:${f.line}` : ""}: ${f.at}: ${f.message}`);
        },
  });
}

/** The workspace's `.sops.yaml`; kind `config` when there is none. */
export async function requireConfig(ws: Workspace): Promise<LoadedConfig> {
  const config = await ws.config();
  if (!config) throw new SecretsError("config", "no .sops.yaml found (run `secrets init`, or pass --config)");
  return config;
}
