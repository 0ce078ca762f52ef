/**
 * The repository's token file, `.secrets/tokens.yaml` at the top of the work tree: the tokens an
 * operator made with `secrets token create`, reviewed and merged like any other change, so that
 * who can reach what is decided in a pull request. Plaintext and committed: it holds no token,
 * only each token's SHA-256 (format.ts says why that is safe), its accessor, policies, creation
 * time, time to live and metadata.
 *
 * ```yaml
 * version: 1
 * tokens:
 *   ci-deploy:
 *     accessor: 0rC8d1lS6yPq3vE9aT2nW5hJ
 *     hash: sha256:9f2c…(64 hex)
 *     policies: [default, deploy]
 *     created: "2024-05-01T12:00:00Z"
 *     ttl: 2592000          # seconds; 0: never expires
 *     meta: {team: payments}
 * ```
 *
 * Unknown keys are refused (a typo must not silently grant or fail to restrict). The JSON Schema
 * is schemas/secrets-tokens.schema.json (`npm run schemas`), from repository-file-schema.ts.
 */
import { parse as parseYaml, stringify } from "yaml";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";
import { RepositoryTokenFile } from "./repository-file-schema.js";

export { RepositoryToken, RepositoryTokenFile, TokenName } from "./repository-file-schema.js";

/** Where the file lives, relative to the work tree's top level. */
export const REPOSITORY_TOKEN_FILE = ".secrets/tokens.yaml";

export function emptyTokenFile(): RepositoryTokenFile {
  return { version: 1, tokens: {} };
}

function yamlValue(text: string, shown: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    throw new SecretsError("config", `${shown} is not valid YAML`);
  }
}

/** Parses the file's text (an empty file has no tokens). Kind `config` naming the field when invalid, never quoting it. */
export function parseTokenFile(text: string, shown = REPOSITORY_TOKEN_FILE): RepositoryTokenFile {
  const raw = yamlValue(text, shown);
  return raw === null || raw === undefined
    ? emptyTokenFile()
    : parseWith(RepositoryTokenFile, raw, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
}

/** The file's text: tokens sorted by name, so that a change touches only its own lines. */
export function renderTokenFile(file: RepositoryTokenFile): string {
  const tokens = Object.fromEntries(Object.keys(file.tokens).sort().map((name) => [name, file.tokens[name]!]));
  const header = "# Tokens for `secrets serve`, made by `secrets token create`. Only hashes: no token is stored here.\n";
  return header + stringify({ version: file.version, tokens }, { lineWidth: 0 });
}


/**
 * The file's text without the token named `name` (a revocation through the server's API, which
 * commits it), or null when the file has no such token. `text` null: there is no file.
 */
export function withoutToken(text: string | null, name: string, shown = REPOSITORY_TOKEN_FILE): string | null {
  const file = text === null ? emptyTokenFile() : parseTokenFile(text, shown);
  if (file.tokens[name] === undefined) return null;
  return renderTokenFile({ version: file.version, tokens: Object.fromEntries(Object.entries(file.tokens).filter(([n]) => n !== name)) });
}
