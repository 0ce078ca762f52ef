/**
 * Scheduled rotation for a checkout, with no server: what `secrets rotation status` and `secrets
 * rotate values` use (and `secrets serve`'s schedule, over its own workspace). The policy is the
 * work tree's `.secrets/rotation.yaml`, the secrets the root's, the records go to the state
 * directory `secrets serve` uses by default (`<git dir>/secrets-server/rotation/`), so a server
 * and the CLI in one checkout see the same rotations in progress and never drive one twice.
 */
import path from "node:path";
import { gitPath, openRepo } from "../git/repo.js";
import type { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import type { Workspace } from "../workspace/workspace.js";
import { generatorFor } from "./generators/index.js";
import { rotationInventory, type InventoryItem } from "./inventory.js";
import { loadRotationPolicy, type RotationPolicyRule } from "./policy.js";
import { RotationRunner, type RunnerOptions } from "./runner.js";
import { RotationStateStore } from "./state.js";

export interface LocalRotationOptions {
  /** Where the work tree is looked for. */
  cwd: string;
  workspace: Workspace;
  /** The secrets root (default: resolveRoot's). */
  root?: string;
  /** The state directory (relative to `cwd`); default `<git dir>/secrets-server`. */
  stateDir?: string;
  /** The environment `command` generators run with. */
  env: NodeJS.ProcessEnv;
}

export interface LocalRotation {
  top: string;
  repo: SecretRepository;
  rules: RotationPolicyRule[];
  store: RotationStateStore;
  inventory(now: number): Promise<InventoryItem[]>;
  runner(extra?: Partial<Pick<RunnerOptions, "onStep" | "now" | "gitEnv">>): RotationRunner;
}

export async function openLocalRotation(o: LocalRotationOptions): Promise<LocalRotation> {
  const repoInfo = await openRepo(o.cwd);
  const top = repoInfo.top;
  const stateDir = o.stateDir ? path.resolve(o.cwd, o.stateDir) : await gitPath(repoInfo, "secrets-server");
  const root = resolveRoot({ ...(o.root !== undefined ? { root: o.root } : {}), cwd: o.cwd, env: o.env });
  const [repo, rules, keys] = await Promise.all([o.workspace.repository(root), loadRotationPolicy(top), o.workspace.keys()]);
  const store = new RotationStateStore(stateDir, keys);
  return {
    top,
    repo,
    rules,
    store,
    inventory: (now) => rotationInventory(repo, rules, store, now),
    runner: (extra = {}) =>
      new RotationRunner({
        repo,
        top,
        rules,
        store,
        generatorFor: (rule) => generatorFor(rule, { top, workspace: o.workspace, env: o.env }),
        now: extra.now ?? (() => Math.floor(Date.now() / 1000)),
        ...(extra.onStep ? { onStep: extra.onStep } : {}),
        ...(extra.gitEnv ? { gitEnv: extra.gitEnv } : {}),
      }),
  };
}
