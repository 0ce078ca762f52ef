/**
 * Login role names as Vault's PostgreSQL plugin makes them by default
 * (internal/builtin/database/postgresql/postgresql.go defaultUserNameTemplate):
 *
 *     {{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}
 *
 * `random 20` is base62 (go-secure-stdlib base62.Random), `unix_time` the issue time in seconds.
 * The display name is Vault's token display name, whose characters other than letters, digits and
 * `-` Vault's token store has already replaced by `-` (token_store.go displayNameSanitize); the same
 * is done here to whatever display name a caller gives. Role names are Vault's GenericNameRegex.
 * So a name holds only `[A-Za-z0-9_.-]`, is at most 2+8+1+8+1+20+1+10 = 51 bytes (never cut to 63
 * before the year 2286), and ends with its issue time, which renewal reads back when no lease
 * record is at hand.
 */
import { randomChars } from "../password.js";

const BASE62 = Array.from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

/** PostgreSQL's NAMEDATALEN - 1: the longest identifier it keeps. */
export const MAX_USERNAME_LENGTH = 63;

/** The names this engine makes: `v-<display>-<role>-<20 base62>-<unix time>`. */
export const USERNAME_PATTERN = /^v-[A-Za-z0-9-]{0,8}-[A-Za-z0-9_.-]{1,8}-[A-Za-z0-9]{20}-(\d{1,12})$/;

/** What every name made here starts with (the reaper's first filter, a `LIKE` prefix). */
export const USERNAME_PREFIX = "v-";

/** Vault's token display name sanitization: `[^a-zA-Z0-9-]` → `-`. */
export function sanitizeDisplayName(displayName: string): string {
  return displayName.replace(/[^a-zA-Z0-9-]/g, "-");
}

/** Go's template `truncate`: the first `n` bytes (the inputs here are ASCII). */
function truncate(n: number, s: string): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** A new login role name for `role`, asked for by `displayName`, at `now` (Unix seconds). */
export function generateUsername(displayName: string, role: string, now: number): string {
  const random = randomChars(BASE62, 20).join("");
  return truncate(MAX_USERNAME_LENGTH, `v-${truncate(8, sanitizeDisplayName(displayName))}-${truncate(8, role)}-${random}-${now}`);
}

/** The issue time a name made here carries, or null when it is not one of ours. */
export function issueTimeOf(username: string): number | null {
  const m = USERNAME_PATTERN.exec(username);
  return m ? Number(m[1]) : null;
}
