import { SecretsError } from "../../errors.js";
import { Branch, toPlain, type ExactPlainValue } from "../../sops/tree.js";
import { cleanText, errorTexts } from "./answer-errors.js";
import { readJsonAnswer, requestJson } from "./json.js";
import { DataReadBody, ErrorBody, ListBody, WriteBody } from "./responses.js";
import type { RemoteSettings } from "./settings.js";
import { VaultRequests, type Answer } from "./vault-requests.js";

/**
 * The requests of the SDK's client of a server: Vault's KV version 2 API at one mount
 * (vault-plugin-secrets-kv: `data/` read and write with check-and-set, `metadata/` list and
 * write), over one keep-alive transport, each request retried as retry.ts says, each answer
 * parsed with the zod schemas of responses.ts. A secret is named by its path segments under the
 * mount (`["database", "postgres"]`); each segment is percent-encoded.
 */

/** A secret that has a current version holding data. */
export interface SecretFound {
  found: true;
  /** Its data (the file's top-level map on `secrets serve`), with the types the JSON gave. */
  data: Branch;
  /** The current version: the check-and-set value of the next write. */
  version: number;
  customMetadata: Readonly<Record<string, string>>;
}

/** A secret with no data now: never written (version 0), or its current version deleted or destroyed. */
export interface SecretAbsent {
  found: false;
  version: number;
  customMetadata: Readonly<Record<string, string>>;
}

export type SecretRead = SecretFound | SecretAbsent;

/** path_data.go: the 400 a write gets when its `cas` is not the current version. */
export const CAS_MISMATCH = "check-and-set parameter did not match the current version";
/** path_data.go: the 400 of a write without `cas` to a secret (or mount) with `cas_required`. */
export const CAS_REQUIRED = "check-and-set parameter required for this call";

export class Kv2Api {
  /** The client's requests, shared with its lease requests (leases-api.ts). */
  readonly requests: VaultRequests;
  readonly #settings: RemoteSettings;

  constructor(settings: RemoteSettings) {
    this.#settings = settings;
    this.requests = new VaultRequests(settings);
  }

  /** Where the secrets are, for messages: `http://127.0.0.1:8200, mount secret/`. */
  get where(): string {
    return `${this.requests.shown}, mount ${this.#settings.mount}/`;
  }

  /** The current version of a secret: its data, or why there is none. */
  async readSecret(secret: readonly string[]): Promise<SecretRead> {
    const a = await this.requests.call("GET", this.#vaultPath("data", secret));
    if (a.status === 200) {
      const answer = readJsonAnswer(a.body, a.what);
      const body = this.requests.parse(DataReadBody, answer.plain, a.what);
      const custom = body.data.metadata.custom_metadata ?? {};
      const data = answer.tree.get("data");
      const inner = data instanceof Branch ? data.get("data") : undefined;
      if (!(inner instanceof Branch)) return { found: false, version: body.data.metadata.version, customMetadata: custom };
      return { found: true, data: inner, version: body.data.metadata.version, customMetadata: custom };
    }
    if (a.status === 404) return this.#absent(a);
    throw this.requests.error(a);
  }

  /**
   * Vault's 404s of a data read: `{"errors":[]}` for a secret never written, the metadata of a
   * deleted or destroyed current version with `data: null`; any other 404 (`no handler for route`:
   * no such mount) is an error, never taken for a missing secret.
   */
  #absent(a: Answer): SecretAbsent {
    let plain: ExactPlainValue | undefined;
    try {
      plain = readJsonAnswer(a.body, a.what).plain;
    } catch {
      plain = undefined;
    }
    const deleted = DataReadBody.safeParse(plain);
    if (deleted.success) return { found: false, version: deleted.data.data.metadata.version, customMetadata: deleted.data.data.metadata.custom_metadata ?? {} };
    const errors = ErrorBody.safeParse(plain);
    if (errors.success && errors.data.errors.length === 0) return { found: false, version: 0, customMetadata: {} };
    const texts = errorTexts(a.body).map((t) => cleanText(t, this.#settings.token));
    throw new SecretsError("usage", `the server at ${this.requests.shown} has no KV version 2 secrets at ${this.#settings.mount}/ (${a.what}: 404${texts.length ? `, ${texts.join("; ")}` : ""}); is the mount right?`);
  }

  /**
   * Writes the secret's whole data as a new version if its current version is still `cas`.
   * Returns false on a check-and-set mismatch (someone wrote in between).
   */
  async writeSecret(secret: readonly string[], data: Branch, cas: number): Promise<boolean> {
    const body = requestJson({ options: { cas }, data: toPlain(data) });
    const a = await this.requests.call("POST", this.#vaultPath("data", secret), body);
    if (a.status === 200) {
      this.requests.parse(WriteBody, readJsonAnswer(a.body, a.what).plain, a.what);
      return true;
    }
    if (a.status === 204) return true;
    if (a.status === 400 && errorTexts(a.body).some((t) => t.includes(CAS_MISMATCH))) return false;
    throw this.requests.error(a);
  }

  /**
   * Applies a JSON merge patch (RFC 7396) to the secret's current data as a new version, if that
   * version is still `cas` when one is given (path_data.go pathDataPatch). The server merges under
   * its lock, so keys the patch does not name are kept as they are (and where they are in the
   * file). "mismatch": `cas` is not the current version; "cas-required": the secret wants a `cas`;
   * "absent": no current data (deleted meanwhile); "unsupported": the server or the token cannot
   * patch (405, 415, or 403: Vault's `patch` capability is newer than `update`, and many policies
   * lack it), so the caller writes the whole data instead, as the vault CLI's `kv patch` falls back
   * to read and write on a 403 or 405 (command/kv_patch.go mergePatch).
   */
  async patchSecret(secret: readonly string[], patch: unknown, cas: number | undefined): Promise<"written" | "mismatch" | "cas-required" | "absent" | "unsupported"> {
    const body = requestJson(cas === undefined ? { data: patch } : { options: { cas }, data: patch });
    const a = await this.requests.call("PATCH", this.#vaultPath("data", secret), body, "", "application/merge-patch+json");
    if (a.status === 200) {
      this.requests.parse(WriteBody, readJsonAnswer(a.body, a.what).plain, a.what);
      return "written";
    }
    if (a.status === 400 && errorTexts(a.body).some((t) => t.includes(CAS_MISMATCH))) return "mismatch";
    if (a.status === 400 && errorTexts(a.body).some((t) => t.includes(CAS_REQUIRED))) return "cas-required";
    if (a.status === 404) return "absent";
    if (a.status === 403 || a.status === 405 || a.status === 415) return "unsupported";
    throw this.requests.error(a);
  }

  /** Replaces the secret's custom_metadata (Vault's metadata write replaces the whole map). */
  async writeCustomMetadata(secret: readonly string[], custom: Readonly<Record<string, string>>): Promise<void> {
    const a = await this.requests.call("POST", this.#vaultPath("metadata", secret), requestJson({ custom_metadata: custom }));
    if (a.status !== 204 && a.status !== 200) throw this.requests.error(a);
  }

  /** The names in a folder (`x` a secret, `x/` a folder); none when the folder is empty or missing (Vault's 404). */
  async listFolder(folder: readonly string[]): Promise<string[]> {
    const a = await this.requests.call("GET", this.#vaultPath("metadata", folder) + "/", undefined, "?list=true");
    if (a.status === 404) return [];
    if (a.status !== 200) throw this.requests.error(a);
    return this.requests.parse(ListBody, readJsonAnswer(a.body, a.what).plain, a.what).data.keys;
  }

  close(): void {
    this.requests.close();
  }

  #vaultPath(endpoint: "data" | "metadata", segments: readonly string[]): string {
    return [this.#settings.mount, endpoint, ...segments].join("/");
  }
}
