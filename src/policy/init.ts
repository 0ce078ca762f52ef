/** `secrets init`: the text of a fresh `.sops.yaml`. */
import { SecretsError } from "../errors.js";
import { compileGoRegexp } from "../util/go-regexp.js";
import { checkRecipient } from "./recipient.js";

export interface InitialConfigOptions {
  /** The anchor naming the recipient (default `me`). */
  name?: string | undefined;
  /** The rule's path_regex (default `(^|/)secrets/`). */
  pathRegex?: string | undefined;
}

export const DEFAULT_INIT_PATH_REGEX = "(^|/)secrets/";

/**
 * The text of a fresh `.sops.yaml`: the recipient named by an anchor under `keys:`, and one rule for
 * files in any `secrets/` directory. The default regex is `(^|/)secrets/` rather than `^secrets/`:
 * paths are matched relative to the config directory, so both match `secrets/app.yaml`, but only the
 * former also matches `apps/api/secrets/db.yaml` in a monorepo, which is what someone who just ran
 * `secrets init` at the repo root expects; it still needs a whole `secrets` path component
 * (`mysecrets/` does not match). Throws SecretsError kind `usage` for a bad recipient or anchor.
 */
export function renderInitialConfig(recipient: string, opts: InitialConfigOptions = {}): string {
  const anchor = opts.name || "me";
  const regex = opts.pathRegex ?? DEFAULT_INIT_PATH_REGEX;
  const r = recipient.trim();
  const check = checkRecipient(r);
  if (!check.ok) throw new SecretsError("usage", `invalid age recipient: ${check.reason}`);
  if (r.includes(",") || r.includes("\n")) throw new SecretsError("usage", "give exactly one recipient");
  if (!/^[A-Za-z0-9_-]+$/.test(anchor)) {
    throw new SecretsError("usage", `invalid anchor name "${anchor}" (use letters, digits, _ and -)`);
  }
  try {
    compileGoRegexp(regex);
  } catch (e) {
    throw new SecretsError("usage", `invalid path regex: ${e instanceof Error ? e.message : String(e)}`);
  }
  const quote = (s: string) => JSON.stringify(s);
  // ssh recipients contain spaces; JSON strings are valid YAML double-quoted scalars.
  const value = check.kind === "ssh" ? quote(r) : r;
  return [
    "# .sops.yaml: which keys encrypt which files (read by gitops-secrets and by sops).",
    "# `keys:` names each recipient with a YAML anchor (&name); rules refer to it as *name.",
    "# The first creation rule whose path_regex matches the file path (relative to this file) wins.",
    "keys:",
    `  - &${anchor} ${value}`,
    "creation_rules:",
    `  - path_regex: ${quote(regex)}`,
    "    key_groups:",
    "      - age:",
    `          - *${anchor}`,
    "",
  ].join("\n");
}
