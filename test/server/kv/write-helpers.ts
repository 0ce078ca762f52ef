import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "../../../src/keys/keygen.js";
import { authorFor } from "../../../src/server/kv/commit-queue.js";
import { loadKvMetadataFile, secretMetadata } from "../../../src/server/kv/metadata-file.js";
import { readVersion } from "../../../src/server/kv/read.js";
import { kvVersions } from "../../../src/server/kv/versions.js";
import { createKvWriteContext, type KvMount, type KvWriteContext } from "../../../src/server/kv/write-context.js";
import { Workspace } from "../../../src/workspace/workspace.js";

/**
 * A temp git repository with a `.sops.yaml` whose rule encrypts `secrets/` to a fresh age key, and
 * a KV write context over it whose workspace holds that key (real age encryption throughout).
 */
export interface KvRepo {
  top: string;
  ctx: KvWriteContext;
  mount: KvMount;
  git(args: string[]): string;
  /** The secret's history with the mount's metadata applied, as the read routes will see it. */
  history(file?: string): ReturnType<typeof kvVersions>;
  read(n?: number, file?: string): ReturnType<typeof readVersion>;
  cleanup(): void;
}

export const actor = (name = "token-ci") => ({ author: authorFor(name) });

export async function kvRepo(opts: Partial<Parameters<typeof createKvWriteContext>[0]> = {}): Promise<KvRepo> {
  const top = mkdtempSync(join(tmpdir(), "kv-write-"));
  const git = (args: string[]) =>
    execFileSync("git", args, { cwd: top, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "op", GIT_AUTHOR_EMAIL: "op@x", GIT_COMMITTER_NAME: "op", GIT_COMMITTER_EMAIL: "op@x" } }).trim();
  git(["init", "-q", "-b", "main"]);
  const pair = await generateKeyPair();
  writeFileSync(join(top, ".sops.yaml"), `creation_rules:\n  - path_regex: ^secrets/\n    age: ${pair.recipient}\n`);
  git(["add", ".sops.yaml"]);
  git(["commit", "-q", "-m", "init"]);
  const workspace = new Workspace({ startDir: top, env: { SOPS_AGE_KEY: pair.identity } });
  const ctx = createKvWriteContext({ repo: { top }, workspace, committer: { name: "secrets-serve", email: "server@secrets-serve" }, ...opts });
  const mount = { name: "secret", folder: "secrets" };
  const history = async (file = "secrets/app.yaml") => {
    const meta = await loadKvMetadataFile(join(top, "secrets"));
    return kvVersions({ top }, file, { metadata: secretMetadata(meta, file.replace(/^secrets\//, "")), config: meta.config ?? {} });
  };
  const read = async (n = 0, file = "secrets/app.yaml") => {
    const meta = await loadKvMetadataFile(join(top, "secrets"));
    return readVersion({ repo: { top }, keys: await workspace.keys() }, file, n, { metadata: secretMetadata(meta, file.replace(/^secrets\//, "")), config: meta.config ?? {} });
  };
  return { top, ctx, mount, git, history, read, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}
