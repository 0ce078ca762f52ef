/**
 * Every token the server knows, as one store: the root token (state directory), the repository's
 * reviewed tokens (`.secrets/tokens.yaml`) and the tokens issued at run time (state directory),
 * with what Vault's token store does to each (internal/vault/token_store.go, expiration.go).
 *
 * What renew and revoke do depends on where a token lives:
 * - **runtime** tokens (children, logins): renewed and revoked as Vault does, their descendants
 *   with them (orphans excepted); kept in the state directory, so they survive a restart.
 * - **repository** tokens: their lifetime is the reviewed file's, so a renewal is refused as for
 *   any token Vault will not renew (`lease is not renewable`). A revocation through the API is
 *   honoured at once and becomes a commit removing the entry from `.secrets/tokens.yaml`
 *   (src/server/config/commit-config.ts), authored by the revoking token: a leaked token must
 *   die when its holder revokes it, not when a pull request merges, and the history still shows
 *   who removed it. (`secrets token revoke NAME` is the same change made by hand.)
 * - the **root** token: no lease, as Vault's initial root token (renew: `invalid lease ID`);
 *   revocable, for good (root-token.ts).
 *
 * After any change that may end tokens, `onTokensEnded` is told which tokens still live (by stored
 * hash): the server removes the cubbyholes of the others.
 */
import type { TokenInfo } from "../auth/tokens/authority.js";
import { REPOSITORY_TOKEN_FILE, withoutToken } from "../auth/tokens/repository-file.js";
import type { RepositoryTokenStore } from "../auth/tokens/repository-store.js";
import type { ChildTokenRequest, RuntimeTokenStore } from "../auth/tokens/runtime-store.js";
import type { TokenDetails, TokenStore } from "../auth/tokens/store.js";
import { SecretsError } from "../errors.js";
import { commitConfig } from "./config/commit-config.js";
import type { GitIdentity } from "./kv/commit-queue.js";
import type { KvWriteContext } from "./kv/write-context.js";
import type { RootTokenAuthority } from "./root-token.js";

/** A token named by itself or by its accessor. */
export type TokenTarget = { readonly token: string } | { readonly accessor: string };

type Where = "root" | "repository" | "runtime";

export interface TokenRegistryParts {
  readonly root: RootTokenAuthority;
  readonly repository: RepositoryTokenStore;
  readonly runtime: RuntimeTokenStore;
  /** The repository's one write context: a repository token's revocation is a commit. */
  readonly writes: KvWriteContext;
  /** Told the stored hashes of the tokens that still live, after a change that may have ended some. */
  readonly onTokensEnded?: (live: ReadonlySet<string>) => Promise<void>;
  /**
   * Whether the auth method at `mountPoint` (`auth/jwt/`) is declared now. A login token whose
   * method is gone — removed by a commit, which no API call saw — is revoked when next seen, as
   * Vault revokes a disabled method's tokens. Absent: every method counts as declared.
   */
  readonly authMounted?: (mountPoint: string) => Promise<boolean>;
}

/** `auth/jwt/login` → `auth/jwt/`; null for the token store's own paths and anything not under `auth/`. */
function loginMountOf(path: string): string | null {
  const m = /^(auth\/[^/]+\/)/.exec(path);
  return m && m[1] !== "auth/token/" ? m[1]! : null;
}

/** How a revocation is made. */
export interface RevokeOptions {
  /** `revoke-orphan`: the children stay, as orphans. */
  readonly orphan?: boolean;
  /** Who revokes (the commit's author, for a repository token). */
  readonly author: GitIdentity;
  /** The endpoint, for the commit message (`auth/token/revoke-self`). */
  readonly path: string;
}

export class TokenRegistry implements TokenStore {
  readonly #p: TokenRegistryParts;

  constructor(parts: TokenRegistryParts) {
    this.#p = parts;
  }

  /** The live token's details and which store holds it. All stores are asked, so the time taken does not tell which. */
  async #find(target: TokenTarget, now: number): Promise<{ where: Where; info: TokenDetails } | null> {
    const { root, repository, runtime } = this.#p;
    const ask = (s: TokenStore): Promise<TokenDetails | null> => ("token" in target ? s.lookup(target.token, now) : s.lookupAccessor(target.accessor, now));
    const [r, repo, run] = await Promise.all([ask(root), ask(repository), ask(runtime)]);
    if (r) return { where: "root", info: r };
    if (repo) return { where: "repository", info: repo };
    if (run) return (await this.#issuerGone(run, now)) ? null : { where: "runtime", info: run };
    return null;
  }

  /**
   * Whether `info`, or the runtime ancestor it descends from, came from a login under an auth
   * method no longer declared (those tokens are then revoked): a child of a login token dies with
   * its method too, though its own path is `auth/token/create`.
   */
  async #issuerGone(info: TokenDetails, now: number): Promise<boolean> {
    let origin = info;
    // Parent links are a tree the store wrote; the bound guards a hand-edited file.
    for (let hops = 0; origin.parentAccessor !== null && hops < 64; hops++) {
      const parent = await this.#p.runtime.lookupAccessor(origin.parentAccessor, now);
      if (!parent) break; // a repository or root parent: not a login
      origin = parent;
    }
    const mount = loginMountOf(origin.path);
    if (mount === null || !this.#p.authMounted || (await this.#p.authMounted(mount))) return false;
    await this.revokeIssuedUnder(mount, now);
    return true;
  }

  /**
   * Revokes every runtime token a login under `mountPoint` issued, their descendants with them:
   * `DELETE sys/auth/<path>` calls it once the method is gone. The number revoked (descendants not counted).
   */
  async revokeIssuedUnder(mountPoint: string, now: number): Promise<number> {
    const removed = await this.#p.runtime.revokeIssuedUnder(mountPoint, now);
    if (removed > 0) await this.#ended(now);
    return removed;
  }

  async lookup(token: string, now: number): Promise<TokenDetails | null> {
    return (await this.#find({ token }, now))?.info ?? null;
  }

  async lookupAccessor(accessor: string, now: number): Promise<TokenDetails | null> {
    return (await this.#find({ accessor }, now))?.info ?? null;
  }

  /** The accessors of every live token (`LIST auth/token/accessors`), sorted. */
  async accessors(now: number): Promise<string[]> {
    const { root, repository, runtime } = this.#p;
    const [repo, run] = await Promise.all([repository.list(now), runtime.accessors(now)]);
    const all = [...(root.revoked ? [] : [root.accessor]), ...repo.filter((e) => !e.expired).map((e) => e.info.accessor), ...run];
    return [...new Set(all)].sort();
  }

  /** The stored hashes of every live token: what a cubbyhole is named by. */
  async liveHashes(now: number): Promise<Set<string>> {
    const { root, repository, runtime } = this.#p;
    const [repo, run] = await Promise.all([repository.liveHashes(now), runtime.liveHashes(now)]);
    const live = new Set([...repo, ...run]);
    if (root.liveHash !== null) live.add(root.liveHash);
    return live;
  }

  /**
   * A child of `parent` (runtime-store.ts createChild). A token chosen by the creator must not be
   * one any store knows (`cannot create a token with a duplicate ID`).
   */
  async createChild(parent: TokenInfo, request: ChildTokenRequest, now: number): Promise<{ token: string; info: TokenDetails }> {
    if (request.token !== undefined && (await this.#find({ token: request.token }, now))) throw new SecretsError("usage", "cannot create a token with a duplicate ID");
    const made = await this.#p.runtime.createChild(parent, request, now);
    await this.#ended(now);
    return made;
  }

  /**
   * `renew`, `renew-self`, `renew-accessor`: the renewed token's details. Kind `usage` (400) with
   * Vault's message: `token not found` (or `invalid accessor`), `invalid lease ID` (the root
   * token), `lease is not renewable` (a repository token; a runtime token created non-renewable or
   * that never expires), `past the max TTL, cannot renew`.
   */
  async renew(target: TokenTarget, increment: number, now: number): Promise<TokenDetails> {
    const found = await this.#find(target, now);
    if (!found) throw new SecretsError("usage", "token" in target ? "token not found" : "invalid accessor");
    if (found.where === "root") throw new SecretsError("usage", "invalid lease ID");
    if (found.where === "repository") throw new SecretsError("usage", "lease is not renewable");
    const renewed = await this.#p.runtime.renewAccessor(found.info.accessor, increment, now);
    await this.#ended(now);
    return renewed;
  }

  /**
   * `revoke`, `revoke-self`, `revoke-accessor`, `revoke-orphan`: the token (and, unless `orphan`,
   * its descendants) stops answering before this returns. False when no live token is named.
   */
  async revoke(target: TokenTarget, now: number, opts: RevokeOptions): Promise<boolean> {
    const found = await this.#find(target, now);
    if (!found) return false;
    const { runtime } = this.#p;
    const accessor = found.info.accessor;
    if (found.where === "runtime") {
      if (opts.orphan) await runtime.revokeOrphan(accessor, now);
      else await runtime.revokeAccessor(accessor, now);
    } else {
      // The children live in the runtime store: orphaned first, or they die with it (their parent lookup fails).
      if (opts.orphan) await runtime.revokeOrphan(accessor, now);
      if (found.where === "root") await this.#p.root.revoke();
      else await this.#removeFromRepository(found.info, opts);
    }
    await this.#ended(now);
    return true;
  }

  async #removeFromRepository(info: TokenDetails, opts: RevokeOptions): Promise<void> {
    const name = info.name;
    if (name === null) throw new SecretsError("generic", "a repository token without a name");
    await commitConfig(
      this.#p.writes,
      [REPOSITORY_TOKEN_FILE],
      (current) => {
        const text = withoutToken(current.get(REPOSITORY_TOKEN_FILE) ?? null, name);
        return text === null ? [] : [{ path: REPOSITORY_TOKEN_FILE, text }];
      },
      `${opts.path}: revoke token ${name}`,
      opts.author,
    );
  }

  async #ended(now: number): Promise<void> {
    if (this.#p.onTokensEnded) await this.#p.onTokensEnded(await this.liveHashes(now));
  }

  /** Removes the cubbyholes of tokens that ended without a request (expiry), as `onTokensEnded` does after a change. */
  async sweep(now: number): Promise<void> {
    await this.#ended(now);
  }
}
