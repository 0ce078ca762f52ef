/**
 * Tokens kept in the repository's token file (repository-file.ts): made and revoked by the
 * operator with `secrets token create|revoke` and changed by pull request, looked up by the
 * server on every request from the file as it is now (a pulled commit applies at once).
 *
 * Repository tokens are not renewable: their lifetime is what the reviewed file says, so
 * extending one is a change to the file. A token created without a TTL never expires (unlike a
 * Vault token, which gets the 768h default): it lives until a pull request removes it. Vault's
 * operator gets an initial root token from `vault operator init`; here the operator makes one with
 * `secrets token create admin --policy root` (docs/server.md).
 */
import { SecretsError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { LockSet } from "../../io/lock.js";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { CachedFile } from "../../io/cached-file.js";
import { displayNameFor } from "./display-name.js";
import { generateAccessor, generateToken, hashToken } from "./format.js";
import { DEFAULT_POLICY_NAME, sanitizePolicies } from "./policies.js";
import { emptyTokenFile, parseTokenFile, renderTokenFile, TokenName, type RepositoryToken, type RepositoryTokenFile } from "./repository-file.js";
import { liveAt, type TokenDetails, type TokenStore } from "./store.js";

export interface RepositoryTokenRequest {
  name: string;
  /** Policy names; sanitized as Vault does, with `default` added unless `noDefaultPolicy`. */
  policies: readonly string[];
  noDefaultPolicy?: boolean;
  /** Seconds to live; 0 or absent: never expires. */
  ttl?: number;
  meta?: Readonly<Record<string, string>>;
}

/** A repository token in a listing: its name and what a lookup would say, and whether it is live now. */
export interface RepositoryTokenEntry {
  name: string;
  info: TokenDetails;
  expired: boolean;
}

function toSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

function toIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function details(name: string, t: RepositoryToken): TokenDetails {
  const creationTime = toSeconds(t.created);
  const ttl = t.ttl ?? 0;
  return {
    accessor: t.accessor,
    displayName: displayNameFor(name),
    policies: [...t.policies],
    creationTime,
    expireTime: ttl > 0 ? creationTime + ttl : null,
    creationTtl: ttl,
    renewable: false,
    origin: "repository",
    meta: { ...(t.meta ?? {}) },
    name,
    lastRenewalTime: null,
    explicitMaxTtl: 0,
    currentTtl: ttl,
    parentAccessor: null,
    // Made by `secrets token create`, the counterpart of Vault's auth/token/create.
    path: "auth/token/create",
  };
}

/** The file's tokens indexed for lookups. */
interface Indexed {
  file: RepositoryTokenFile;
  byHash: Map<string, string>;
  byAccessor: Map<string, string>;
}

function index(file: RepositoryTokenFile): Indexed {
  const byHash = new Map<string, string>();
  const byAccessor = new Map<string, string>();
  for (const [name, t] of Object.entries(file.tokens)) {
    byHash.set(t.hash, name);
    byAccessor.set(t.accessor, name);
  }
  return { file, byHash, byAccessor };
}

export class RepositoryTokenStore implements TokenStore {
  readonly #file: CachedFile<Indexed>;
  readonly #locks = new LockSet();

  /** `path`: the token file (`<top>/.secrets/tokens.yaml`, REPOSITORY_TOKEN_FILE). */
  constructor(readonly path: string) {
    this.#file = new CachedFile(path, (text) => index(parseTokenFile(text, path)), () => index(emptyTokenFile()));
  }

  async lookup(token: string, now: number): Promise<TokenDetails | null> {
    const { file, byHash } = await this.#file.read();
    return this.#live(file, byHash.get(hashToken(token)), now);
  }

  async lookupAccessor(accessor: string, now: number): Promise<TokenDetails | null> {
    const { file, byAccessor } = await this.#file.read();
    return this.#live(file, byAccessor.get(accessor), now);
  }

  #live(file: RepositoryTokenFile, name: string | undefined, now: number): TokenDetails | null {
    const t = name === undefined ? undefined : file.tokens[name];
    if (name === undefined || t === undefined) return null;
    const info = details(name, t);
    return liveAt(info.expireTime, now) ? info : null;
  }

  /** The stored hashes of the live tokens (the server names each token's cubbyhole by it). */
  async liveHashes(now: number): Promise<Set<string>> {
    const { file } = await this.#file.read();
    const live = new Set<string>();
    for (const [name, t] of Object.entries(file.tokens)) if (this.#live(file, name, now)) live.add(t.hash);
    return live;
  }

  /** Every token in the file, by name, expired ones included (marked). */
  async list(now: number): Promise<RepositoryTokenEntry[]> {
    const { file } = await this.#file.read();
    return Object.keys(file.tokens)
      .sort()
      .map((name) => {
        const info = details(name, file.tokens[name]!);
        return { name, info, expired: !liveAt(info.expireTime, now) };
      });
  }

  /**
   * Adds a token under `name` and returns it: the only time the token exists outside the client
   * that receives it. Written atomically under the file's lock. Kind `usage` when the name is
   * taken or invalid.
   */
  async create(request: RepositoryTokenRequest, now: number): Promise<{ token: string; info: TokenDetails }> {
    const name = TokenName.safeParse(request.name);
    if (!name.success) throw new SecretsError("usage", name.error.issues[0]!.message);
    let policies = sanitizePolicies(request.policies, !request.noDefaultPolicy);
    if (request.noDefaultPolicy) policies = policies.filter((p) => p !== DEFAULT_POLICY_NAME);
    if (policies.length === 0) throw new SecretsError("usage", "a token needs at least one policy");
    const ttl = request.ttl ?? 0;
    if (!Number.isInteger(ttl) || ttl < 0) throw new SecretsError("usage", "a token's ttl is a whole number of seconds, 0 or more");
    const token = generateToken();
    const entry: RepositoryToken = {
      accessor: generateAccessor(),
      hash: hashToken(token),
      policies,
      created: toIso(now),
      ...(ttl > 0 ? { ttl } : {}),
      ...(request.meta && Object.keys(request.meta).length > 0 ? { meta: { ...request.meta } } : {}),
    };
    await this.#update((file) => {
      if (file.tokens[name.data] !== undefined) throw new SecretsError("usage", `a token named ${name.data} exists already (revoke it first)`, { file: this.path });
      file.tokens[name.data] = entry;
    });
    return { token, info: details(name.data, entry) };
  }

  /** Removes the token named `name`; kind `not-found` when there is none. */
  async revoke(name: string): Promise<TokenDetails> {
    let removed: TokenDetails | undefined;
    await this.#update((file) => {
      const t = file.tokens[name];
      if (t === undefined) throw new SecretsError("not-found", `no token named ${name}`, { file: this.path });
      removed = details(name, t);
      file.tokens = Object.fromEntries(Object.entries(file.tokens).filter(([n]) => n !== name));
    });
    return removed!;
  }

  async #update(change: (file: RepositoryTokenFile) => void): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true }).catch((e: unknown) => {
      throw new SecretsError("write-output", `could not create ${dirname(this.path)}`, { cause: e });
    });
    await this.#locks.run(this.path, async () => {
      const { file } = await this.#file.readFresh();
      const next: RepositoryTokenFile = { version: 1, tokens: { ...file.tokens } };
      change(next);
      await writeFileAtomic(this.path, renderTokenFile(next));
    });
  }
}
