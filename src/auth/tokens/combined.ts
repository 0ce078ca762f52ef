/**
 * One authority over several token stores (the repository's file, then the state directory): a
 * token is looked up in each in turn and the first that knows it answers. Hashes of random tokens
 * do not collide, so the order only decides which file is read first.
 */
import type { TokenDetails, TokenStore } from "./store.js";

export function combinedAuthority(...stores: TokenStore[]): TokenStore {
  return {
    async lookup(token: string, now: number): Promise<TokenDetails | null> {
      for (const s of stores) {
        const info = await s.lookup(token, now);
        if (info) return info;
      }
      return null;
    },
    async lookupAccessor(accessor: string, now: number): Promise<TokenDetails | null> {
      for (const s of stores) {
        const info = await s.lookupAccessor(accessor, now);
        if (info) return info;
      }
      return null;
    },
  };
}
