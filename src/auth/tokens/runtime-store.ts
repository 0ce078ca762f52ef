/**
 * Tokens the server issues at run time (child tokens of `auth/token/create`, and logins), kept in
 * the state directory (`<stateDir>/tokens.json`, runtime-file.ts) so that they survive a restart.
 *
 * - Every change is a read-modify-write of the file under its lock (src/io/lock.ts) and an atomic
 *   replace (src/io/atomic.ts, mode 0600), so concurrent creators, in this process or another,
 *   lose nothing. Lookups read the file as it is (a `stat` per call, parsed when it changed).
 * - A token lives while it has not expired and its parent lives: Vault revokes a token's
 *   children with it, and on its expiry (internal/vault/token_store.go revokeTree; orphans
 *   excepted). Here a child whose parent is revoked, expired or removed from the repository's
 *   file stops answering at once; the records are pruned at the next write.
 * - Renewal follows Vault's RenewToken (internal/vault/expiration.go): only a renewable token
 *   that expires can be renewed (`lease is not renewable`), to the increment or its last TTL,
 *   capped at creation time + max TTL (ttl.ts).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { LockSet } from "../../io/lock.js";
import type { TokenInfo } from "./authority.js";
import { CachedFile } from "../../io/cached-file.js";
import { displayNameFor } from "./display-name.js";
import { generateAccessor, generateToken, hashToken } from "./format.js";
import { childPolicies, ROOT_POLICY_NAME, sanitizePolicies } from "./policies.js";
import { emptyRuntimeFile, parseRuntimeFile, RUNTIME_TOKEN_FILE, type RuntimeToken, type RuntimeTokenFile } from "./runtime-file.js";
import { liveAt, type TokenDetails, type TokenStore } from "./store.js";
import { creationTtl, renewalTtl } from "./ttl.js";

/** Who else may be a runtime token's parent: the repository's tokens, looked up by accessor. */
export interface ParentLookup {
  lookupAccessor(accessor: string, now: number): Promise<TokenInfo | null>;
}

/** `auth/token/create`'s parameters that this store takes (token_store.go handleCreateCommon). */
export interface ChildTokenRequest {
  policies?: readonly string[];
  noDefaultPolicy?: boolean;
  /** Whether the creator has `sudo` (or `root`) on the create path: the server's ACL answers it. */
  sudo: boolean;
  /** Seconds; 0 or absent: the default (768h), or none for a root token. */
  ttl?: number;
  explicitMaxTtl?: number;
  /** Default true, as in Vault. */
  renewable?: boolean;
  displayName?: string;
  meta?: Readonly<Record<string, string>>;
  /** `no_parent`: an orphan, which outlives its creator. Needs sudo. */
  noParent?: boolean;
  /** `auth/token/create-orphan`: an orphan without sudo (the ACL on that path decides who may). */
  orphan?: boolean;
  /** The path that creates it (Vault's `path`); default `auth/token/create`. */
  path?: string;
  /** A token chosen by the creator (`id`, sudo only: the caller checks that and its shape); default a new random one. */
  token?: string;
}

/** A token issued without a parent (a login): its policies are given, not inherited. */
export interface OrphanTokenRequest {
  displayName: string;
  policies: readonly string[];
  /** The role's `token_no_default_policy`: `default` is not added. */
  noDefaultPolicy?: boolean;
  ttl?: number;
  explicitMaxTtl?: number;
  renewable?: boolean;
  meta?: Readonly<Record<string, string>>;
  /** The login path (Vault's `path`, e.g. `auth/jwt/login`). */
  path?: string;
}

/** Where a token comes from when its record does not say (records from before `path` was kept). */
const CREATE_PATH = "auth/token/create";

function details(t: RuntimeToken): TokenDetails {
  return {
    accessor: t.accessor,
    displayName: t.display_name,
    policies: [...t.policies],
    creationTime: t.creation_time,
    expireTime: t.expire_time,
    creationTtl: t.creation_ttl,
    renewable: t.renewable,
    origin: "runtime",
    meta: { ...t.meta },
    name: null,
    lastRenewalTime: t.last_renewal_time,
    explicitMaxTtl: t.explicit_max_ttl,
    currentTtl: t.ttl,
    parentAccessor: t.parent_accessor,
    path: t.path ?? CREATE_PATH,
  };
}

interface Indexed {
  file: RuntimeTokenFile;
  /** Accessor → token hash. */
  byAccessor: Map<string, string>;
}

function index(file: RuntimeTokenFile): Indexed {
  const byAccessor = new Map<string, string>();
  for (const [hash, t] of Object.entries(file.tokens)) byAccessor.set(t.accessor, hash);
  return { file, byAccessor };
}

function validSeconds(value: number | undefined, what: string): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0) throw new SecretsError("usage", `${what} must be a whole number of seconds, 0 or more`);
  return v;
}

export class RuntimeTokenStore implements TokenStore {
  readonly path: string;
  readonly #dir: string;
  readonly #file: CachedFile<Indexed>;
  readonly #locks = new LockSet();
  readonly #parents: ParentLookup | undefined;

  /** `stateDir`: the server's state directory (created 0700 on the first write). `parents`: the repository's tokens. */
  constructor(stateDir: string, opts: { parents?: ParentLookup } = {}) {
    this.#dir = stateDir;
    this.path = join(stateDir, RUNTIME_TOKEN_FILE);
    this.#parents = opts.parents;
    this.#file = new CachedFile(this.path, (text) => index(parseRuntimeFile(text, this.path)), () => index(emptyRuntimeFile()));
  }

  async lookup(token: string, now: number): Promise<TokenDetails | null> {
    const indexed = await this.#file.read();
    return this.#live(indexed, hashToken(token), now);
  }

  async lookupAccessor(accessor: string, now: number): Promise<TokenDetails | null> {
    const indexed = await this.#file.read();
    const hash = indexed.byAccessor.get(accessor);
    return hash === undefined ? null : this.#live(indexed, hash, now);
  }

  /** The accessors of the live tokens (`LIST auth/token/accessors`), sorted. */
  async accessors(now: number): Promise<string[]> {
    const indexed = await this.#file.read();
    const live: string[] = [];
    for (const hash of Object.keys(indexed.file.tokens)) {
      const info = await this.#live(indexed, hash, now);
      if (info) live.push(info.accessor);
    }
    return live.sort();
  }

  /** The record's details when it and every ancestor live at `now`; null otherwise. */
  async #live(indexed: Indexed, hash: string, now: number): Promise<TokenDetails | null> {
    const start = indexed.file.tokens[hash];
    if (start === undefined) return null;
    let t: RuntimeToken | undefined = start;
    // Parent links form a tree written by this store; the bound guards a hand-edited cycle.
    for (let hops = 0; t !== undefined; hops++) {
      if (!liveAt(t.expire_time, now) || hops > indexed.byAccessor.size) return null;
      const parent: string | null = t.parent_accessor;
      if (parent === null) return details(start);
      const parentHash = indexed.byAccessor.get(parent);
      if (parentHash === undefined) return (await this.#parents?.lookupAccessor(parent, now)) ? details(start) : null;
      t = indexed.file.tokens[parentHash];
    }
    return null;
  }

  /**
   * A child of `parent` (the live token that asks, as a lookup returned it), with Vault's rules:
   * policies (policies.ts childPolicies), orphans only with sudo (`root or sudo privileges
   * required to create orphan token`), TTLs (ttl.ts creationTtl). Returns the token: the only
   * time it exists outside the client that receives it. Errors are kind `usage` (Vault's 400).
   */
  async createChild(parent: TokenInfo, request: ChildTokenRequest, now: number): Promise<{ token: string; info: TokenDetails }> {
    if (request.noParent && !request.sudo) throw new SecretsError("usage", "root or sudo privileges required to create orphan token");
    const policies = childPolicies(parent.policies, {
      requested: request.policies ?? [],
      noDefaultPolicy: request.noDefaultPolicy ?? false,
      sudo: request.sudo,
    });
    const explicitMaxTtl = validSeconds(request.explicitMaxTtl, "explicit_max_ttl");
    const ttl = creationTtl({
      ttl: validSeconds(request.ttl, "ttl"),
      explicitMaxTtl,
      root: policies.includes(ROOT_POLICY_NAME),
      parentExpires: parent.expireTime !== null,
    });
    return this.#insert(
      {
        displayName: displayNameFor(request.displayName),
        policies,
        ttl,
        explicitMaxTtl,
        renewable: request.renewable ?? true,
        meta: request.meta ?? {},
        parentAccessor: request.noParent || request.orphan ? null : parent.accessor,
        path: request.path ?? CREATE_PATH,
        ...(request.token !== undefined ? { token: request.token } : {}),
      },
      now,
    );
  }

  /** A token with no parent and the given policies (`default` added unless `noDefaultPolicy`), for a login. */
  async issueOrphan(request: OrphanTokenRequest, now: number): Promise<{ token: string; info: TokenDetails }> {
    const policies = sanitizePolicies(request.policies, request.noDefaultPolicy !== true);
    const explicitMaxTtl = validSeconds(request.explicitMaxTtl, "explicit_max_ttl");
    const ttl = creationTtl({ ttl: validSeconds(request.ttl, "ttl"), explicitMaxTtl, root: policies.includes(ROOT_POLICY_NAME), parentExpires: false });
    return this.#insert(
      {
        displayName: request.displayName,
        policies,
        ttl,
        explicitMaxTtl,
        renewable: request.renewable ?? true,
        meta: request.meta ?? {},
        parentAccessor: null,
        path: request.path ?? CREATE_PATH,
      },
      now,
    );
  }

  async #insert(
    t: {
      displayName: string;
      policies: string[];
      ttl: number;
      explicitMaxTtl: number;
      renewable: boolean;
      meta: Readonly<Record<string, string>>;
      parentAccessor: string | null;
      path: string;
      token?: string;
    },
    now: number,
  ): Promise<{ token: string; info: TokenDetails }> {
    const token = t.token ?? generateToken();
    const record: RuntimeToken = {
      accessor: generateAccessor(),
      display_name: t.displayName,
      policies: t.policies,
      creation_time: now,
      creation_ttl: t.ttl,
      ttl: t.ttl,
      expire_time: t.ttl > 0 ? now + t.ttl : null,
      last_renewal_time: null,
      explicit_max_ttl: t.explicitMaxTtl,
      // A token that never expires is not renewable (token_store.go: "Don't advertise non-expiring root tokens as renewable").
      renewable: t.ttl > 0 && t.renewable,
      meta: { ...t.meta },
      parent_accessor: t.parentAccessor,
      path: t.path,
    };
    await this.#update(now, (file) => {
      // A random token cannot collide; a chosen one can (token_store.go create).
      if (file.tokens[hashToken(token)] !== undefined) throw new SecretsError("usage", "cannot create a token with a duplicate ID");
      file.tokens[hashToken(token)] = record;
    });
    return { token, info: details(record) };
  }

  /** `renew-self` / `renew`: the renewed token's details. `token not found`, `lease is not renewable`, `past the max TTL, cannot renew`: kind `usage`. */
  async renew(token: string, increment: number, now: number): Promise<TokenDetails> {
    return this.#renewWhere(() => hashToken(token), increment, now);
  }

  /** `renew-accessor`. */
  async renewAccessor(accessor: string, increment: number, now: number): Promise<TokenDetails> {
    return this.#renewWhere((indexed) => indexed.byAccessor.get(accessor), increment, now);
  }

  async #renewWhere(find: (indexed: Indexed) => string | undefined, increment: number, now: number): Promise<TokenDetails> {
    const by = validSeconds(increment, "increment");
    let renewed: RuntimeToken | undefined;
    await this.#update(now, async (file, indexed) => {
      const hash = find(indexed);
      const t = hash === undefined ? undefined : file.tokens[hash];
      if (hash === undefined || t === undefined || !(await this.#live(indexed, hash, now))) throw new SecretsError("usage", "token not found");
      if (t.expire_time === null || !t.renewable) throw new SecretsError("usage", "lease is not renewable");
      const ttl = renewalTtl({ increment: by, currentTtl: t.ttl, explicitMaxTtl: t.explicit_max_ttl, issueTime: t.creation_time, now });
      renewed = { ...t, ttl, expire_time: now + ttl, last_renewal_time: now };
      file.tokens[hash] = renewed;
    });
    return details(renewed!);
  }

  /** `revoke` / `revoke-self`: the token and its descendants (orphans excepted). False when it was not there. */
  async revoke(token: string, now: number): Promise<boolean> {
    const hash = hashToken(token);
    return this.#revokeWhere((indexed) => (indexed.file.tokens[hash] ? hash : undefined), now);
  }

  /** `revoke-accessor`. */
  async revokeAccessor(accessor: string, now: number): Promise<boolean> {
    return this.#revokeWhere((indexed) => indexed.byAccessor.get(accessor), now);
  }

  /**
   * `revoke-orphan`: the token with `accessor` goes (when it is one of this store's), and its
   * children stay, as orphans (token_store.go revokeOrphan). For a token kept elsewhere (the
   * repository's, the root) this orphans its children here before that token is removed. False
   * when nothing changed.
   */
  async revokeOrphan(accessor: string, now: number): Promise<boolean> {
    let changed = false;
    await this.#update(now, (file) => {
      const kept: RuntimeTokenFile["tokens"] = {};
      for (const [h, t] of Object.entries(file.tokens)) {
        if (t.accessor === accessor) {
          changed = true;
          continue;
        }
        if (t.parent_accessor === accessor) changed = true;
        kept[h] = t.parent_accessor === accessor ? { ...t, parent_accessor: null } : t;
      }
      file.tokens = kept;
    });
    return changed;
  }

  /**
   * Every token a login under `prefix` issued (its `path` starts with it: `auth/jwt/`), and with
   * them their descendants: what Vault does when an auth method is disabled (the mount's tokens
   * are revoked by prefix). The number of tokens removed by path, descendants not counted.
   */
  async revokeIssuedUnder(prefix: string, now: number): Promise<number> {
    let removed = 0;
    await this.#update(now, (file) => {
      const kept: RuntimeTokenFile["tokens"] = {};
      for (const [h, t] of Object.entries(file.tokens)) {
        if ((t.path ?? CREATE_PATH).startsWith(prefix)) removed++;
        else kept[h] = t;
      }
      file.tokens = kept;
    });
    return removed;
  }

  /** The stored hashes of the live tokens (the server names each token's cubbyhole by it). */
  async liveHashes(now: number): Promise<Set<string>> {
    const indexed = await this.#file.read();
    const live = new Set<string>();
    for (const hash of Object.keys(indexed.file.tokens)) if (await this.#live(indexed, hash, now)) live.add(hash);
    return live;
  }

  async #revokeWhere(find: (indexed: Indexed) => string | undefined, now: number): Promise<boolean> {
    let found = false;
    await this.#update(now, (file, indexed) => {
      const hash = find(indexed);
      if (hash === undefined) return;
      found = true;
      file.tokens = Object.fromEntries(Object.entries(file.tokens).filter(([h]) => h !== hash));
    });
    return found;
  }

  /**
   * Read-modify-write under the file's lock. After `change`, records that no longer live (expired,
   * or their parent gone: revoked with it) are dropped, so the file holds only live tokens.
   */
  async #update(now: number, change: (file: RuntimeTokenFile, indexed: Indexed) => void | Promise<void>): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new SecretsError("write-output", `could not create the state directory ${this.#dir}`, { cause: e });
    }
    await this.#locks.run(this.path, async () => {
      const current = await this.#file.readFresh();
      const file: RuntimeTokenFile = { version: 1, tokens: { ...current.file.tokens } };
      await change(file, index(file));
      const after = index(file);
      const kept: RuntimeTokenFile = { version: 1, tokens: {} };
      for (const [hash, t] of Object.entries(file.tokens)) if (await this.#live(after, hash, now)) kept.tokens[hash] = t;
      await writeFileAtomic(this.path, JSON.stringify(kept, null, 2) + "\n", { mode: 0o600 });
    });
  }
}
