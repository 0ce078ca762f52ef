/**
 * Several token stores as one: the root token, the repository's tokens, the runtime's. A token is
 * looked up in each in turn; the first that knows it answers. Each store compares hashes in
 * constant time, and every store is asked whatever the outcome, so that the time taken does not
 * tell which store (if any) knows a token.
 */
import type { TokenAuthority, TokenInfo } from "../auth/tokens/authority.js";

export function chainAuthorities(authorities: readonly TokenAuthority[]): TokenAuthority {
  return {
    async lookup(token: string, now: number): Promise<TokenInfo | null> {
      const found = await Promise.all(authorities.map((a) => a.lookup(token, now)));
      return found.find((f) => f !== null) ?? null;
    },
  };
}
