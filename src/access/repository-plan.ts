import { SecretsError } from "../errors.js";
import type { LoadedConfig } from "../policy/load.js";
import type { KeySource } from "../sops/keysource.js";
import { repoListing, scanSecretFiles, type SkippedLink } from "./inventory.js";
import { isPolicyFile, RuleBook } from "./rules.js";
import { planDrift, type FilePlan } from "./update.js";

/**
 * `updatekeys --all`, and the file half of grant and revoke: every secret file of the repository
 * whose recipients drift from its rule under a config, planned (new contents prepared, nothing
 * written). Applying is `applyPlans` (src/access/update.ts).
 */

export interface RepositoryPlan {
  /** The drifting files, each ready to write. */
  plans: FilePlan[];
  /** Secret files left alone because they are not encrypted or not readable (see `secrets verify`). */
  notEncrypted: string[];
  /** How many secret files there are. */
  total: number;
  /** Symbolic links a rule covers, which a repository-wide operation never follows. */
  skippedLinks: SkippedLink[];
}

function cannotUpdate(failures: Array<{ file: string; message: string }>, total: number): SecretsError {
  const first = failures[0]!;
  const files = failures.map((f) => f.file).join(", ");
  return new SecretsError(
    "no-key",
    `cannot update ${failures.length} of ${total} drifting file${total === 1 ? "" : "s"}, so nothing was changed: ${files} (${first.file}: ${first.message})`,
  );
}

/**
 * Plans every drifting file of the repository of `config`. All or nothing: rejects with kind
 * `no-key` naming the files that cannot be prepared (no key, bad MAC…) when any cannot.
 */
export async function planRepository(config: LoadedConfig, keys: KeySource, opts: { ignoreMac: boolean }): Promise<RepositoryPlan> {
  const book = new RuleBook(config);
  const listing = await repoListing(config.dir);
  const skippedLinks = listing.links.filter((l) => !isPolicyFile(l.file) && book.indexFor(l.file) >= 0);
  const states = await scanSecretFiles(book, { files: listing.files });
  const { plans, failures } = await planDrift(book, states, keys, { ignoreMac: opts.ignoreMac });
  const drifting = states.filter((s) => s.status === "drift").length;
  if (failures.length) throw cannotUpdate(failures, drifting);
  const notEncrypted = states.filter((s) => s.status === "plaintext" || s.status === "malformed").map((s) => s.file);
  return { plans, notEncrypted, total: states.length, skippedLinks };
}
