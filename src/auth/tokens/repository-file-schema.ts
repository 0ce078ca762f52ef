/**
 * The zod schema of the repository's token file (repository-file.ts), apart from the YAML code
 * so that `scripts/gen-schemas.mjs` can bundle it alone (schemas/secrets-tokens.schema.json).
 * It only validates, never transforms, so that `z.toJSONSchema` can describe it.
 */
import { z } from "zod";
import { ACCESSOR_PATTERN, TOKEN_HASH_PATTERN } from "./format.js";

/** A token's name: a key of the file, shown as `token-<name>` (Vault's display name). */
export const TokenName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "a token name is 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");

export const RepositoryToken = z.strictObject({
  accessor: z.string().regex(ACCESSOR_PATTERN),
  hash: z.string().regex(TOKEN_HASH_PATTERN),
  /** Sanitized as Vault does (policies.ts): lower case, sorted, `root` alone. */
  policies: z.array(z.string().min(1)).min(1),
  /** RFC 3339, UTC, whole seconds. */
  created: z.iso.datetime(),
  /** Seconds to live from `created`; 0 or absent: never expires. */
  ttl: z.int().min(0).optional(),
  meta: z.record(z.string(), z.string()).optional(),
});
export type RepositoryToken = z.infer<typeof RepositoryToken>;

export const RepositoryTokenFile = z.strictObject({
  version: z.literal(1),
  tokens: z.record(TokenName, RepositoryToken),
});
export type RepositoryTokenFile = z.infer<typeof RepositoryTokenFile>;

/** The JSON Schema of the file, for `npm run schemas` (schemas/secrets-tokens.schema.json). */
export function renderTokenFileJsonSchema(): string {
  const schema = z.toJSONSchema(RepositoryTokenFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return JSON.stringify(schema, null, 2) + "\n";
}
