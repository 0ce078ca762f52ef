import { describeIdentitySet, identitiesFromStrings } from "../keys/identities.js";
import { unwrapDataKey, wrapDataKey } from "../keys/wrap.js";
import type { KeySource } from "../sops/keysource.js";

/**
 * A key source over identities the caller passes (`new SecretsClient({ identities })`) instead of the
 * ones sops would look up. Bad identities are reported, value-free, only if no file can be opened.
 */
export function keySourceFromIdentities(identities: readonly string[]): KeySource {
  const set = identitiesFromStrings(identities, "the identities option");
  return {
    wrap: (secret, recipient) => wrapDataKey(secret, recipient),
    unwrap: (entry) => unwrapDataKey(entry.enc, set),
    describe: () => describeIdentitySet(set),
  };
}
