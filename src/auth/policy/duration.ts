/**
 * Durations as Vault reads them in policies (`min_wrapping_ttl`, `max_wrapping_ttl`):
 * go-secure-stdlib parseutil.ParseDurationSecond. A number or a string of digits is seconds; a
 * string ending in `d` is whole days; anything else is Go's time.ParseDuration syntax (`1h30m`,
 * `1.5s`, units ns, us, µs, ms, s, m, h). Sub-second precision is kept (Go keeps nanoseconds).
 */

/** Go's time.ParseDuration units, in seconds. */
const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  "µs": 1e-6,
  "μs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Seconds, or the error text Go would give (`time: invalid duration "x"` and its siblings). */
export function parseDurationSeconds(input: unknown): { seconds: number } | { error: string } {
  if (input === undefined || input === null) return { seconds: 0 };
  if (typeof input === "number") return { seconds: Math.trunc(input) };
  if (typeof input !== "string") return { error: "could not parse duration from input" };
  if (input === "") return { seconds: 0 };
  if (/^[+-]?\d+$/.test(input)) return { seconds: Number(input) };
  if (input.endsWith("d")) {
    const days = input.slice(0, -1);
    if (!/^[+-]?\d+$/.test(days)) return { error: `strconv.ParseInt: parsing "${days}": invalid syntax` };
    return { seconds: Number(days) * 86400 };
  }
  return goDuration(input);
}

function goDuration(text: string): { seconds: number } | { error: string } {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return { seconds: 0 };
  if (rest === "") return { error: `time: invalid duration ${quoted}` };
  let total = 0;
  const term = /^(\d*(?:\.\d*)?)([^\d.]*)/;
  while (rest !== "") {
    const m = term.exec(rest)!;
    const [whole, number, unit] = [m[0], m[1]!, m[2]!];
    if (number === "" || number === ".") return { error: `time: invalid duration ${quoted}` };
    if (unit === "") return { error: `time: missing unit in duration ${quoted}` };
    const scale = GO_UNITS[unit];
    if (scale === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    total += Number(number) * scale;
    rest = rest.slice(whole.length);
  }
  return { seconds: sign * total };
}
