/**
 * `secrets audit --access --since D`: the instant D names. Either a duration back from now, in
 * Vault's duration syntax (`90m`, `24h`, `7d`, `1h30m`: parseutil.ParseDurationSecond, as `secrets
 * token create --ttl` takes it), or a point in time: an RFC 3339 date-time (`2025-06-01T10:00:00Z`,
 * `…+02:00`, a fraction allowed) or a date alone (`2025-06-01`, midnight UTC). A bare number is
 * refused rather than read as seconds: `--since 2024` is more likely a year than 34 minutes.
 */
import { parseDurationSeconds } from "../auth/policy/duration.js";
import { SecretsError } from "../errors.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether year-month-day is a day of the calendar (Date.parse rolls 2025-02-30 over to March). */
function realDay(y: string, m: string, d: string): boolean {
  const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return t.getUTCFullYear() === Number(y) && t.getUTCMonth() === Number(m) - 1 && t.getUTCDate() === Number(d);
}

function badSince(): SecretsError {
  return new SecretsError("usage", "--since: expected a duration (24h, 7d) or a date or RFC 3339 time (2025-06-01, 2025-06-01T10:00:00Z)");
}

/** The instant `text` names, `now` being the present; a SecretsError `usage` for anything else. */
export function parseSince(text: string, now: Date): Date {
  const date = DATE.exec(text);
  if (date) {
    const [, y, m, d] = date as unknown as [string, string, string, string];
    if (!realDay(y, m, d)) throw badSince();
    return new Date(`${text}T00:00:00Z`);
  }
  const dateTime = DATE_TIME.exec(text);
  if (dateTime) {
    const [, y, m, d, hh, mm, ss] = dateTime as unknown as [string, string, string, string, string, string, string];
    if (!realDay(y, m, d) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) throw badSince();
    const t = Date.parse(text.toUpperCase());
    if (Number.isNaN(t)) throw badSince();
    return new Date(t);
  }
  if (/^\d+$/.test(text)) throw badSince();
  const parsed = parseDurationSeconds(text);
  if ("error" in parsed || !(parsed.seconds > 0)) throw badSince();
  return new Date(now.getTime() - parsed.seconds * 1000);
}
