import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { SecretsError } from "../errors.js";

/**
 * Keeping paths inside a root (the repository, the secrets root). A path is judged by where it really
 * is: `realpath` of its deepest existing part (so a symlinked folder anywhere along it counts), with a
 * dangling link refused outright (writing through it would create its target, wherever that is).
 * The one mechanism every repository-wide operation and the secret-path namespace use, so that no
 * command follows a link out of the tree it works on.
 */

/** The real location of `p` (which may not exist yet), or an ErrnoException for a dangling link or a loop. */
export function realLocation(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync.native(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  // ENOENT: either `abs` does not exist (fine: its real place is its parent's plus its name) or it is
  // a link to nothing.
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) {
    const err = new Error("dangling symbolic link") as NodeJS.ErrnoException;
    err.code = "ENOENT";
    throw err;
  }
  const parent = dirname(abs);
  return parent === abs ? abs : join(realLocation(parent), basename(abs));
}

/** Whether `inner` is `outer` or below it (both absolute, normalized). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export function outsideRootError(shown: string, rootName: string): SecretsError {
  return new SecretsError("outside-root", `${JSON.stringify(shown)} is or goes through a symbolic link that leads outside ${rootName}; refusing to follow it`);
}

/**
 * The real location of `target`, which must lie under `root` (itself taken at its real location).
 * Throws SecretsError kind `outside-root` naming `shown` (the path as the user knows it) when it
 * leaves the root, is a dangling link, or is a link loop.
 */
export function confinedPath(root: string, target: string, opts: { shown?: string; rootName?: string } = {}): string {
  const shown = opts.shown ?? target;
  const rootName = opts.rootName ?? JSON.stringify(root);
  let real: string;
  let realRoot: string;
  try {
    realRoot = realLocation(root);
    real = realLocation(target);
  } catch (e) {
    throw new SecretsError("outside-root", `${JSON.stringify(shown)} is a dangling or looping symbolic link; refusing to follow it`, { cause: e });
  }
  if (!isWithin(realRoot, real)) throw outsideRootError(shown, rootName);
  return real;
}

/** Whether `target` is itself reached through a symbolic link (any part of it below `root`). */
export function goesThroughLink(root: string, target: string): boolean {
  try {
    return realLocation(target) !== join(realLocation(root), relative(resolve(root), resolve(target)));
  } catch {
    return true;
  }
}
