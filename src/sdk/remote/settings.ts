import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecretsError } from "../../errors.js";
import type { ClientOptions } from "../options.js";

/**
 * Which server a SecretsClient speaks to, with which token: from its options, else from the
 * environment as hvac and the vault CLI take it (`VAULT_ADDR`, `VAULT_TOKEN`, then the token file
 * `vault login` writes, `~/.vault-token`; `VAULT_CACERT` for an https server's CA).
 */

/** What a client needs to reach a server. */
export interface RemoteSettings {
  /** The server's address, as given (`https://vault.example.com`, a path prefix allowed). */
  url: URL;
  token: string | undefined;
  /** The KV version 2 mount, without slashes at its ends (`secret`). */
  mount: string;
  timeoutMs: number;
  retries: number;
  /** PEM CA certificates for an https server (VAULT_CACERT); undefined: the system's. */
  ca: string | undefined;
}

export const DEFAULT_MOUNT = "secret";
export const DEFAULT_TIMEOUT_MS = 30_000;
/** As Vault's Go client (api.DefaultConfig: MaxRetries 2). */
export const DEFAULT_RETRIES = 2;

const LOCAL_ONLY = ["root", "identities", "cwd"] as const;
const SERVER_ONLY = ["token", "mount", "timeout", "retries"] as const;

/**
 * The server's address, or undefined for the repository's files: `url` when given; else
 * `$VAULT_ADDR` when no option of the files (`root`, `identities`, `cwd`) is given. `url` with an
 * option of the files, or an option of a server without an address, is a usage error: a client
 * reads one or the other, never a guess between them. `isUrl` is the options' own URL check
 * (options.ts), passed in so that this module loads no zod.
 */
export function serverUrlFor(o: ClientOptions, env: NodeJS.ProcessEnv, isUrl: (text: string) => boolean): string | undefined {
  const local = LOCAL_ONLY.filter((k) => o[k] !== undefined);
  if (o.url !== undefined) {
    if (local.length) throw new SecretsError("usage", `invalid SecretsClient options: url cannot be combined with ${local.join(", ")} (a client reads a server or the repository's files)`);
    return o.url;
  }
  const fromEnv = env.VAULT_ADDR;
  if (local.length === 0 && fromEnv !== undefined && fromEnv !== "") {
    if (!isUrl(fromEnv)) throw new SecretsError("usage", "VAULT_ADDR is not an http: or https: URL");
    return fromEnv;
  }
  const serverOnly = SERVER_ONLY.filter((k) => o[k] !== undefined);
  if (serverOnly.length) {
    throw new SecretsError("usage", `invalid SecretsClient options: ${serverOnly.join(", ")} ${serverOnly.length > 1 ? "are" : "is"} for a server; give url too (or set VAULT_ADDR)`);
  }
  return undefined;
}

/** The whole file's text, or undefined when there is none; other failures name the file only. */
async function readOptional(file: string, what: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new SecretsError("read-input", `cannot read ${what} ${file}: ${code ?? "error"}`);
  }
}

/**
 * The settings for `url`: the token from the options, else `VAULT_TOKEN` (when not empty), else
 * `~/.vault-token` trimmed (hvac's utils.get_token_from_env); none is allowed (the server then
 * answers 403, which says so).
 */
export async function remoteSettings(o: ClientOptions, url: string, env: NodeJS.ProcessEnv): Promise<RemoteSettings> {
  let token = o.token ?? (env.VAULT_TOKEN !== undefined && env.VAULT_TOKEN !== "" ? env.VAULT_TOKEN : undefined);
  if (token === undefined) {
    const text = await readOptional(path.join(os.homedir(), ".vault-token"), "the token file");
    const trimmed = text?.trim();
    if (trimmed) token = trimmed;
  }
  const parsed = new URL(url);
  let ca: string | undefined;
  if (parsed.protocol === "https:" && env.VAULT_CACERT) {
    ca = await readOptional(env.VAULT_CACERT, "VAULT_CACERT");
    if (ca === undefined) throw new SecretsError("read-input", `VAULT_CACERT names no file: ${env.VAULT_CACERT}`);
  }
  return {
    url: parsed,
    token,
    mount: (o.mount ?? DEFAULT_MOUNT).split("/").filter((s) => s !== "").join("/"),
    timeoutMs: o.timeout ?? DEFAULT_TIMEOUT_MS,
    retries: o.retries ?? DEFAULT_RETRIES,
    ca,
  };
}

/** The server's address for messages: no user name or password, no query. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}
