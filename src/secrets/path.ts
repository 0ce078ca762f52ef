import { SecretPathError } from "./errors.js";

/**
 * Secret paths: the one namespace the CLI, the SDK and the coming Vault-compatible API share.
 * `database/postgres/password` is a list of segments; which leading segments name a file under the
 * secrets root and which name keys inside it is decided by `resolve.ts`. A segment is any non-empty
 * text without `/` or NUL, other than `.` and `..` (a path can never leave the root).
 */

export type SecretPath = readonly string[];

/**
 * Parses a secret path. One leading `/` is allowed; a trailing `/` only with `prefix` (list and
 * selection prefixes), where the empty path (everything) is allowed too.
 */
export function parseSecretPath(text: string, opts: { prefix?: boolean } = {}): string[] {
  let t = text.startsWith("/") ? text.slice(1) : text;
  if (opts.prefix && t.endsWith("/")) t = t.slice(0, -1);
  if (t === "") {
    if (opts.prefix) return [];
    throw new SecretPathError("invalid secret path: empty");
  }
  const segs = t.split("/");
  segs.forEach((s, i) => {
    if (s === "") throw new SecretPathError(`invalid secret path "${text}": segment ${i + 1} is empty`);
    if (s === "." || s === "..") throw new SecretPathError(`invalid secret path "${text}": "${s}" is not allowed as a segment`);
    if (s.includes("\0")) throw new SecretPathError(`invalid secret path: segment ${i + 1} contains a NUL character`);
  });
  return segs;
}

export function formatSecretPath(segs: SecretPath): string {
  return segs.join("/");
}

/** Whether `path` lies under `prefix` segment-wise (`data` is not a prefix of `database/x`). */
export function hasPrefix(path: SecretPath, prefix: SecretPath): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}
