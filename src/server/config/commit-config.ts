/**
 * Configuration written through the API becomes a commit (issue #14 §4): a policy, a mount, an
 * auth method or role written by a Vault client changes the same repository file a pull request
 * would change, in one commit whose author is the token's display name. This is the one way the
 * server writes such files: each under its file lock (held, in path order, until the commit is
 * made, so a commit holds exactly this change), replaced atomically, committed through the
 * repository's one commit queue (shared with KV writes: git allows one writer of the index),
 * and put back as it was when the commit fails.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { confinedPath } from "../../io/confine.js";
import type { GitIdentity } from "../kv/commit-queue.js";
import { bytesOf, commitChanges, writeTime, type Change, type KvWriteContext } from "../kv/write-context.js";

/** One file's new content: text, or null to remove it. */
export interface ConfigFileChange {
  /** Repo-relative, `/`-separated (e.g. `.secrets/policies/ci.hcl`). Confined to the work tree. */
  readonly path: string;
  readonly text: string | null;
}

export interface ConfigCommit {
  /** The commit's id, or null when every file already held its content (nothing to commit). */
  readonly commit: string | null;
}

/**
 * Writes `files` and commits them as one commit by `author` with `message` (which names what
 * changed, never a value). `edit`, when given, runs under the locks with each file's current
 * text (null: absent) and returns the changes to make: a read-modify-write that no concurrent
 * API write can interleave with.
 */
export async function commitConfig(
  ctx: KvWriteContext,
  paths: readonly string[],
  edit: (current: ReadonlyMap<string, string | null>) => Promise<readonly ConfigFileChange[]> | readonly ConfigFileChange[],
  message: string,
  author: GitIdentity,
): Promise<ConfigCommit> {
  const absolute = [...new Set(paths)].sort().map((p) => ({ rel: p, abs: confinedPath(ctx.repo.top, path.join(ctx.repo.top, ...p.split("/")), { shown: p, rootName: "the repository" }) }));
  // The lock file sits beside its target, so the folder must exist first (confined above).
  for (const { abs } of absolute) await fsp.mkdir(path.dirname(abs), { recursive: true });
  const underLocks = async (i: number): Promise<ConfigCommit> => {
    if (i < absolute.length) return ctx.locks.run(absolute[i]!.abs, () => underLocks(i + 1));
    const current = new Map<string, string | null>();
    const before = new Map<string, Buffer | null>();
    for (const { rel, abs } of absolute) {
      const bytes = await bytesOf(abs);
      before.set(rel, bytes);
      current.set(rel, bytes === null ? null : bytes.toString("utf8"));
    }
    const changes: Change[] = [];
    for (const change of await edit(current)) {
      const target = absolute.find((a) => a.rel === change.path);
      // A change outside the locked paths would be a race: the caller names every file up front.
      if (!target) throw new SecretsError("generic", `commitConfig: ${change.path} was not named among the files to lock`);
      if (change.text === current.get(change.path)) continue;
      changes.push({ abs: target.abs, before: before.get(change.path) ?? null });
      if (change.text === null) await fsp.rm(target.abs, { force: true });
      else await writeFileAtomic(target.abs, change.text);
    }
    return { commit: await commitChanges(ctx, changes, message, { author }, writeTime(ctx)) };
  };
  // A write: in the gate's shared side, so that no fast-forward of the checkout runs under it.
  return ctx.gate.shared(() => underLocks(0));
}
