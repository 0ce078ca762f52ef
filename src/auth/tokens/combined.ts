/**
 * One authority over several token stores (the root token, the repository's file, the state
 * directory): every store is asked, all at once, and the first (in the order given) that knows the
 * token answers. Asking all of them whatever the outcome keeps the time taken from telling which
 * store, if any, knows a token; hashes of random tokens do not collide, so the order only breaks a
 * tie that cannot happen.
 */
import type { TokenAuthority } from "./authority.js";
import type { TokenStore } from "./store.js";

async function firstAnswer<S, T>(stores: readonly S[], ask: (store: S) => Promise<T | null>): Promise<T | null> {
  const answers = await Promise.all(stores.map(ask));
  return answers.find((a) => a !== null) ?? null;
}

/** Token stores as one store (lookups by token and by accessor). */
export function combinedAuthority(...stores: TokenStore[]): TokenStore {
  return {
    lookup: (token, now) => firstAnswer(stores, (s) => s.lookup(token, now)),
    lookupAccessor: (accessor, now) => firstAnswer(stores, (s) => s.lookupAccessor(accessor, now)),
  };
}

/** Authorities that only resolve tokens (the server's root token among them) as one. */
export function anyAuthority(authorities: readonly TokenAuthority[]): TokenAuthority {
  return { lookup: (token, now) => firstAnswer(authorities, (a) => a.lookup(token, now)) };
}
