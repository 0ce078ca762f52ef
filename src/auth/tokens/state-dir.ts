/**
 * Where `secrets serve` keeps its state (runtime tokens, audit salts, cubbyholes) when no
 * `--state-dir` is given: `$XDG_STATE_HOME/gitops-secrets/<repo>-<id>` (XDG_STATE_HOME defaults to
 * `~/.local/state`, the XDG Base Directory specification's place for state that survives a
 * restart), where `<id>` is the first 12 hex digits of the SHA-256 of the work tree's absolute
 * path, so two checkouts of one repository never share tokens.
 *
 * Not in the work tree: cubbyholes hold plaintext, and `git add -A` must never be able to
 * commit them.
 */
import { createHash } from "node:crypto";
import { basename, isAbsolute, join } from "node:path";

export function defaultStateDir(workTreeTop: string, env: Readonly<Record<string, string | undefined>>, home: string): string {
  // The specification ignores a relative XDG_STATE_HOME.
  const xdg = env.XDG_STATE_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, ".local", "state");
  const id = createHash("sha256").update(workTreeTop, "utf8").digest("hex").slice(0, 12);
  const name = basename(workTreeTop).replace(/[^A-Za-z0-9_.-]/g, "_") || "repo";
  return join(base, "gitops-secrets", `${name}-${id}`);
}
