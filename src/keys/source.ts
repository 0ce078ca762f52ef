import type { AgeKey } from "../sops/metadata.js";
import type { KeySource } from "../sops/keysource.js";
import { describeIdentitySet, loadIdentities, type IdentitySet, type LoadIdentitiesOptions } from "./identities.js";
import { unwrapDataKey, wrapDataKey } from "./wrap.js";

/**
 * The key source the format layer uses (`src/sops/keysource.ts`), backed by sops' identity lookup.
 *
 * Identities are loaded on the first `unwrap`, once. When `SOPS_AGE_KEY_CMD` is set they are loaded
 * once per recipient instead, because sops runs the command for each entry with that entry's
 * `SOPS_AGE_RECIPIENT`.
 */
export function createKeySource(opts: Omit<LoadIdentitiesOptions, "recipientHint"> = {}): KeySource {
  const env = opts.env ?? process.env;
  const perRecipient = env.SOPS_AGE_KEY_CMD !== undefined;
  const cache = new Map<string, Promise<IdentitySet>>();
  let last: IdentitySet | undefined;
  const identitiesFor = (recipient: string): Promise<IdentitySet> => {
    const k = perRecipient ? recipient : "";
    let p = cache.get(k);
    if (!p) {
      p = loadIdentities({ ...opts, env, recipientHint: recipient });
      cache.set(k, p);
    }
    return p;
  };
  return {
    wrap: (secret, recipient) => wrapDataKey(secret, recipient),
    async unwrap(entry: AgeKey) {
      last = await identitiesFor(entry.recipient);
      return unwrapDataKey(entry.enc, last);
    },
    describe() {
      return last ? describeIdentitySet(last) : "no age entry was tried";
    },
  };
}

/**
 * The recipients of the identities found the way sops finds them (deduplicated, in load order):
 * "my own keys", e.g. for `secrets init`. Empty when there are none; load errors are ignored.
 */
export async function ownRecipients(opts: Omit<LoadIdentitiesOptions, "recipientHint"> = {}): Promise<string[]> {
  const set = await loadIdentities(opts);
  const out: string[] = [];
  for (const id of set.identities) {
    const r = await id.recipient();
    if (!out.includes(r)) out.push(r);
  }
  return out;
}
