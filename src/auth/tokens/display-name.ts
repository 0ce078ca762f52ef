/**
 * A token's `display_name` from the name it was given (internal/vault/token_store.go
 * handleCreateCommon): `token-<name>`, every character other than a letter, digit or `-`
 * replaced by `-`, one trailing `-` removed; `token` when no name was given.
 */
export function displayNameFor(name: string | undefined): string {
  if (name === undefined || name === "") return "token";
  const full = `token-${name}`.replace(/[^a-zA-Z0-9-]/g, "-");
  return full.endsWith("-") ? full.slice(0, -1) : full;
}
