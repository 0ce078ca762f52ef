/**
 * The runtime token file, `<stateDir>/tokens.json` (mode 0600): tokens the server issued (child
 * tokens from `auth/token/create`, logins), so that they survive a restart. Never in git. Keyed
 * by the token's hash; no token is stored. Times are Unix seconds, durations seconds.
 */
import { z } from "zod";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";
import { ACCESSOR_PATTERN, TOKEN_HASH_PATTERN } from "./format.js";

export const RUNTIME_TOKEN_FILE = "tokens.json";

const Seconds = z.int().min(0);

export const RuntimeToken = z.strictObject({
  accessor: z.string().regex(ACCESSOR_PATTERN),
  display_name: z.string(),
  policies: z.array(z.string()),
  creation_time: Seconds,
  creation_ttl: Seconds,
  /** The TTL last given (at creation, or by the last renewal). */
  ttl: Seconds,
  expire_time: Seconds.nullable(),
  last_renewal_time: Seconds.nullable(),
  explicit_max_ttl: Seconds,
  renewable: z.boolean(),
  meta: z.record(z.string(), z.string()),
  /** The parent's accessor (a runtime or a repository token); null for an orphan. */
  parent_accessor: z.string().nullable(),
  /** The path that created it (`auth/token/create`…); absent in records written before it was kept. */
  path: z.string().optional(),
});
export type RuntimeToken = z.infer<typeof RuntimeToken>;

export const RuntimeTokenFile = z.strictObject({
  version: z.literal(1),
  tokens: z.record(z.string().regex(TOKEN_HASH_PATTERN), RuntimeToken),
});
export type RuntimeTokenFile = z.infer<typeof RuntimeTokenFile>;

export function emptyRuntimeFile(): RuntimeTokenFile {
  return { version: 1, tokens: {} };
}

/** Kind `read-input` when the file is not what this server wrote (the state directory is its own). */
export function parseRuntimeFile(text: string, shown: string): RuntimeTokenFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretsError("read-input", `${shown} is not valid JSON`);
  }
  return parseWith(RuntimeTokenFile, raw, ([issue]) => new SecretsError("read-input", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
}
