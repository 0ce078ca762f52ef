import { setTimeout as sleep } from "node:timers/promises";
import { SecretsError } from "../../errors.js";
import { leavesOf, readMetadata, toSecretValue } from "../../secrets/entries.js";
import { SecretNotFound } from "../../secrets/errors.js";
import { formatSecretPath, hasPrefix, parseSecretPath, type SecretPath } from "../../secrets/path.js";
import { isReachable } from "../../secrets/resolve.js";
import type { SecretMetadata, SecretValue, SecretsClientStats } from "../../secrets/types.js";
import { getPath, setPath } from "../../sops/path.js";
import { Branch, fromPlain } from "../../sops/tree.js";
import type { SecretsBackend } from "../backend.js";
import { decodeMetadata, encodeMetadata, metadataEntryName } from "./custom-metadata.js";
import type { DynamicBackend } from "../dynamic.js";
import { Kv2Api } from "./kv2-api.js";
import { RemoteLeases } from "./leases-api.js";
import { SecretReads, splitsOf, type Located } from "./locate.js";
import { setAsMergePatch } from "./merge-patch.js";
import { backoffDelay } from "./retry.js";
import type { ClientOptions } from "../options.js";
import { remoteSettings } from "./settings.js";

/**
 * The SDK over a server's Vault KV version 2 API (`secrets serve`, or a Vault): the same methods,
 * secret paths and typed errors as over the files (docs/env-and-sdk.md, "A server").
 *
 * - Reads: a path is located as locate.ts says; `getMany` reads each secret once, so it costs one
 *   request per secret (file), not per path.
 * - `set` reads the secret, then sends a JSON merge patch of just that key (the server merges it
 *   under its lock; other keys stay as they are, in place in the file), with check-and-set on the
 *   version read when the value is a map or the secret requires it; when a patch cannot say it, or
 *   the server or token cannot patch, it writes the whole data with check-and-set. A check-and-set
 *   mismatch (someone wrote the secret in between) reads again and retries, at most CAS_ATTEMPTS
 *   times, so a concurrent update of another key is never lost.
 * - Metadata is kept in the secret's custom_metadata (custom-metadata.ts); metadata the files hold
 *   (the local client's sibling keys) is read too, and those keys are never values or paths here.
 * - Nothing is cached: each call asks the server.
 */

/** Writes of one `set` before it gives up on a secret that keeps changing under it. */
export const CAS_ATTEMPTS = 5;
const CAS_BACKOFF = { retries: CAS_ATTEMPTS, baseDelayMs: 25, maxDelayMs: 400 };
/** Folders deep a `list` walks: a bound on the requests a server's answers can make it send. */
const MAX_FOLDER_DEPTH = 64;

function isMapValue(v: SecretValue): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A name a LIST answered that can be a path segment (src/secrets/path.ts). */
function isSegment(s: string): boolean {
  return s !== "" && s !== "." && s !== ".." && !s.includes("/") && !s.includes("\0");
}

export class RemoteBackend implements SecretsBackend {
  readonly #api: Kv2Api;

  constructor(api: Kv2Api) {
    this.#api = api;
  }

  static async open(o: ClientOptions, url: string, env: NodeJS.ProcessEnv): Promise<RemoteBackend> {
    return new RemoteBackend(new Kv2Api(await remoteSettings(o, url, env)));
  }

  async get(pathText: string): Promise<SecretValue> {
    const segs = parseSecretPath(pathText);
    const located = await new SecretReads(this.#api).locateOrFail(segs, splitsOf(segs), this.#api.where);
    return this.#valueAt(located, segs);
  }

  #valueAt(located: Located, segs: SecretPath): SecretValue {
    const v = getPath(located.read.data, located.split.keyPath);
    if (v === undefined) {
      const text = formatSecretPath(segs);
      throw new SecretNotFound(text, `secret ${text} not found: the secret ${formatSecretPath(located.split.secret)} has no key ${located.split.keyPath.join(".")}`);
    }
    return toSecretValue(v, null);
  }

  async getMany(paths: readonly string[]): Promise<Map<string, SecretValue>> {
    // Every path is checked before the first request, as the files' client locates all first.
    const wanted = paths.map((given) => {
      const segs = parseSecretPath(given);
      return { given, segs, splits: splitsOf(segs) };
    });
    const reads = new SecretReads(this.#api);
    const located = await Promise.all(wanted.map((w) => reads.locate(w.splits)));
    const out = new Map<string, SecretValue>();
    const missing: string[] = [];
    wanted.forEach((w, i) => {
      const l = located[i] ?? null;
      const v = l === null ? undefined : getPath(l.read.data, l.split.keyPath);
      if (l === null || v === undefined) missing.push(formatSecretPath(w.segs));
      else out.set(w.given, toSecretValue(v, null));
    });
    if (missing.length) {
      throw new SecretNotFound(missing, missing.length === 1 ? `secret ${missing[0]} not found` : `${missing.length} secrets not found: ${missing.join(", ")}`);
    }
    return out;
  }

  async getMetadata(pathText: string): Promise<SecretMetadata | undefined> {
    const segs = parseSecretPath(pathText);
    const located = await new SecretReads(this.#api).locateOrFail(segs, splitsOf(segs), this.#api.where);
    this.#valueAt(located, segs);
    const entry = located.read.customMetadata[metadataEntryName(located.split.keyPath)];
    if (entry !== undefined) return decodeMetadata(entry, formatSecretPath(segs));
    return readMetadata(located.read.data, located.split.keyPath, null);
  }

  async set(pathText: string, value: SecretValue, metadata: SecretMetadata | undefined): Promise<void> {
    const segs = parseSecretPath(pathText);
    const splits = splitsOf(segs);
    let canPatch = true;
    let casRequired = false;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, CAS_BACKOFF));
      const reads = new SecretReads(this.#api);
      // The secret that holds the path now, else the one a new key goes to (all segments but the
      // last), as the files' client creates `database/postgres.yaml` for `database/postgres/password`.
      const located = await reads.locate(splits);
      const split = located?.split ?? splits[0]!;
      const read = located?.read ?? (await reads.read(split.secret));
      let written = false;
      if (read.found && canPatch) {
        const patch = setAsMergePatch(read.data, split.keyPath, value);
        if (patch !== null) {
          // A scalar or a list replaces whatever is at the key: the server's merge under its lock
          // is all the check it needs, so concurrent sets of other keys never conflict. A map
          // names the old keys it drops, as read: it needs the version they were read at.
          const cas = casRequired || isMapValue(value) ? read.version : undefined;
          const outcome = await this.#api.patchSecret(split.secret, patch, cas);
          if (outcome === "cas-required") casRequired = true;
          if (outcome === "mismatch" || outcome === "absent" || outcome === "cas-required") continue;
          if (outcome === "unsupported") canPatch = false;
          written = outcome === "written";
        }
      }
      if (!written) {
        const data = read.found ? read.data : new Branch();
        setPath(data, split.keyPath, fromPlain(value));
        if (!(await this.#api.writeSecret(split.secret, data, read.version))) continue;
      }
      if (metadata !== undefined) {
        // Vault's metadata write has no check-and-set: the map read with the data is the base.
        const custom = { ...read.customMetadata };
        custom[metadataEntryName(split.keyPath)] = encodeMetadata(metadata);
        await this.#api.writeCustomMetadata(split.secret, custom);
      }
      return;
    }
    const text = formatSecretPath(segs);
    throw new SecretsError("conflict", `secret ${text} was not written: its secret changed ${CAS_ATTEMPTS} times while it was being written; try again`);
  }

  async list(prefixText: string): Promise<string[]> {
    const prefix = parseSecretPath(prefixText, { prefix: true });
    // As secretFilesUnder: the secrets the prefix's leading segments name, and every secret in the
    // folder it names.
    const candidates = new Map<string, string[]>();
    for (let k = 1; k <= prefix.length; k++) candidates.set(prefix.slice(0, k).join("\0"), prefix.slice(0, k));
    for (const s of await this.#secretsIn(prefix, 0)) candidates.set(s.join("\0"), s);
    const reads = new SecretReads(this.#api);
    const secrets = await Promise.all([...candidates.values()].map(async (secret) => ({ secret, read: await reads.read(secret) })));
    const found = secrets.flatMap((s) => (s.read.found ? [{ secret: s.secret, data: s.read.data }] : []));
    const known = new Set(found.map((f) => f.secret.join("/")));
    const out = new Set<string>();
    for (const f of found) {
      for (const leaf of leavesOf(f.data, null)) {
        if (!leaf.keyPath.every(isSegment)) continue;
        const segs = [...f.secret, ...leaf.keyPath];
        if (hasPrefix(segs, prefix) && isReachable(segs, f.secret.length, known)) out.add(formatSecretPath(segs));
      }
    }
    return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every secret under a folder, by LIST of it and of its sub-folders. */
  async #secretsIn(folder: readonly string[], depth: number): Promise<string[][]> {
    if (depth > MAX_FOLDER_DEPTH) throw new SecretsError("generic", `the server's folders under ${this.#api.where} are more than ${MAX_FOLDER_DEPTH} deep`);
    const names = await this.#api.listFolder(folder);
    const nested = await Promise.all(
      names.map(async (name) => {
        if (name.endsWith("/")) {
          const sub = name.slice(0, -1);
          return isSegment(sub) ? this.#secretsIn([...folder, sub], depth + 1) : [];
        }
        return isSegment(name) ? [[...folder, name]] : [];
      }),
    );
    return nested.flat();
  }

  root(): undefined {
    return undefined;
  }

  stats(): SecretsClientStats {
    // Nothing is decrypted or cached here: the server decrypts.
    return { decryptions: 0, cacheHits: 0 };
  }

  clearCache(): void {
    // Nothing is cached.
  }

  dynamic(): DynamicBackend {
    return new RemoteLeases(this.#api.requests);
  }

  close(): void {
    this.#api.close();
  }
}
