/**
 * The operator's root token, as `vault server -dev` makes one: generated on the server's first
 * start, printed once (the CLI prints "Root Token: …" to stderr, as Vault dev prints it), and from
 * then on kept only as a SHA-256 hash in `<stateDir>/root-token.json` (mode 0600). It holds the
 * built-in `root` policy and never expires. Losing it is mended by deleting the file: the next
 * start makes a new one. Other tokens (the repository's, the runtime's) come from other
 * TokenAuthority implementations; the server asks them all at once (src/server/token-registry.ts).
 *
 * As Vault's initial root token, it has no lease: renewing it is refused (`invalid lease ID`), and
 * it can be revoked (`auth/token/revoke-self`, Vault's advice once set-up is done). A revoked root
 * token stays revoked across restarts (the file records it, so no new one is made behind the
 * operator's back); deleting the file makes a new one at the next start, the counterpart of
 * `vault operator generate-root`.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { TokenInfo } from "../auth/tokens/authority.js";
import type { TokenDetails, TokenStore } from "../auth/tokens/store.js";
import { ROOT_POLICY_NAME } from "../auth/policy/index.js";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";

export const ROOT_TOKEN_FILE = "root-token.json";

const RootTokenRecord = z.strictObject({
  /** SHA-256 of the token, lower-case hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  accessor: z.string().min(1),
  /** Unix seconds. */
  creation_time: z.number().int().min(0),
  /** Revoked through the API: no token answers until the file is deleted. */
  revoked: z.literal(true).optional(),
});
type RootTokenRecord = z.infer<typeof RootTokenRecord>;

const sha256 = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/** Vault's service-token shape (`hvs.` and random base62-like text); ours is 32 random bytes. */
function newToken(): string {
  return `hvs.${randomBytes(32).toString("base64url")}`;
}

/** The path Vault gives its initial root token (token_store.go rootToken). */
export const ROOT_TOKEN_PATH = "auth/token/root";

/** The root token's authority: knows one token by its hash. */
export class RootTokenAuthority implements TokenStore {
  readonly #hash: Buffer;
  readonly #info: TokenInfo;
  readonly #file: string | undefined;
  #record: RootTokenRecord;

  /** `file`: where the record is kept, so that a revocation is remembered (absent: in memory only). */
  constructor(record: RootTokenRecord, file?: string) {
    this.#record = record;
    this.#file = file;
    this.#hash = Buffer.from(record.sha256, "hex");
    this.#info = {
      accessor: record.accessor,
      displayName: "root",
      policies: [ROOT_POLICY_NAME],
      creationTime: record.creation_time,
      expireTime: null,
      creationTtl: 0,
      renewable: false,
      origin: "runtime",
      meta: {},
    };
  }

  /** Its accessor (listed by `auth/token/accessors` while it lives). */
  get accessor(): string {
    return this.#record.accessor;
  }

  /** Whether it has been revoked. */
  get revoked(): boolean {
    return this.#record.revoked === true;
  }

  /** The stored hash in the token stores' form (`sha256:<hex>`, src/auth/tokens/format.ts hashToken), or null once revoked. */
  get liveHash(): string | null {
    return this.revoked ? null : `sha256:${this.#record.sha256}`;
  }

  #details(): TokenDetails | null {
    if (this.revoked) return null;
    return { ...this.#info, policies: [...this.#info.policies], meta: {}, name: null, lastRenewalTime: null, explicitMaxTtl: 0, currentTtl: 0, parentAccessor: null, path: ROOT_TOKEN_PATH };
  }

  lookup(token: string): Promise<TokenDetails | null> {
    // Both sides are 32-byte digests: the comparison takes the same time whatever the token.
    return Promise.resolve(timingSafeEqual(sha256(token), this.#hash) ? this.#details() : null);
  }

  lookupAccessor(accessor: string): Promise<TokenDetails | null> {
    return Promise.resolve(accessor === this.#record.accessor ? this.#details() : null);
  }

  /** Revokes it, for good (the file records it). */
  async revoke(): Promise<void> {
    const next: RootTokenRecord = { ...this.#record, revoked: true };
    if (this.#file !== undefined) await writeFileAtomic(this.#file, `${JSON.stringify(next)}\n`, { mode: 0o600 });
    this.#record = next;
  }
}

export interface RootToken {
  authority: RootTokenAuthority;
  /** The token in clear when this start generated it (to print once), else undefined. */
  generated?: string;
}

/** Loads the root token's record from the state directory, or generates one. Kind `config` for a damaged file. */
export async function ensureRootToken(stateDir: string, now: () => Date = () => new Date()): Promise<RootToken> {
  const file = join(stateDir, ROOT_TOKEN_FILE);
  let text: string | undefined;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot read ${file}`, { cause: e });
  }
  if (text !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = RootTokenRecord.safeParse(raw);
    if (!parsed.success) throw new SecretsError("config", `${file} is damaged: delete it to make a new root token`);
    return { authority: new RootTokenAuthority(parsed.data, file) };
  }
  const token = newToken();
  const record: RootTokenRecord = {
    sha256: sha256(token).toString("hex"),
    accessor: randomBytes(12).toString("base64url"),
    creation_time: Math.floor(now().getTime() / 1000),
  };
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return { authority: new RootTokenAuthority(record, file), generated: token };
}
