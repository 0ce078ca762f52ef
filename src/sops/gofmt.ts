/**
 * Go's number and time text forms, which sops' output and MAC depend on. JS produces the same
 * shortest round-trip digits as Go (both pick the shortest decimal that parses back exactly); only
 * the layout differs.
 */

interface Digits {
  neg: boolean;
  /** shortest significant digits, no leading/trailing zeros (for 0: "0") */
  d: string;
  /** decimal point position: value = 0.d × 10^dp */
  dp: number;
}

function digitsOf(f: number): Digits {
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  if (a === 0) return { neg, d: "0", dp: 1 };
  const [mant, exp] = a.toExponential().split("e") as [string, string];
  const d = mant.replace(".", "");
  return { neg, d, dp: Number(exp) + 1 };
}

function special(f: number): string | null {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  return null;
}

function layoutF(g: Digits): string {
  let s: string;
  if (g.dp <= 0) s = "0." + "0".repeat(-g.dp) + g.d;
  else if (g.dp >= g.d.length) s = g.d + "0".repeat(g.dp - g.d.length);
  else s = g.d.slice(0, g.dp) + "." + g.d.slice(g.dp);
  return (g.neg ? "-" : "") + s;
}

function layoutE(g: Digits, minExpDigits: number): string {
  const exp = g.d === "0" ? 0 : g.dp - 1;
  const mant = g.d.length > 1 ? g.d.charAt(0) + "." + g.d.slice(1) : g.d;
  const e = String(Math.abs(exp)).padStart(minExpDigits, "0");
  return (g.neg ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + e;
}

/** `strconv.FormatFloat(f, 'f', -1, 64)`: the plaintext of an encrypted float (`1`, `0.000001`). */
export function formatFloatF(f: number): string {
  return special(f) ?? layoutF(digitsOf(f));
}

/** `strconv.FormatFloat(f, 'g', -1, 64)`: how go-yaml writes a float (`1e+06`, `3.14`). */
export function formatFloatG(f: number): string {
  const sp = special(f);
  if (sp) return sp;
  const g = digitsOf(f);
  const exp = g.dp - 1;
  // strconv.FormatFloat: for the shortest form ('g', -1) the %e/%f choice uses precision 6,
  // so 1e6 is `1e+06` and 123456 stays `123456`.
  if (g.d !== "0" && (exp < -4 || exp >= 6)) return layoutE(g, 2);
  return layoutF(g);
}

/** How go-yaml v3 writes a float64 scalar. */
export function formatYamlFloat(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (f === Infinity) return ".inf";
  if (f === -Infinity) return "-.inf";
  return formatFloatG(f);
}

/** How Go's encoding/json writes a float64 (NaN/Inf are not representable: caller's error). */
export function formatJsonFloat(f: number): string {
  const a = Math.abs(f);
  const g = digitsOf(f);
  if (a !== 0 && (a < 1e-6 || a >= 1e21)) {
    // Go writes e-07 then trims the exponent's leading zero: e-7.
    return layoutE(g, 1);
  }
  return layoutF(g);
}

/**
 * go-yaml v3's implicit timestamp resolution for an unquoted plain scalar, returning Go's
 * `time.MarshalText` form, or null if go-yaml would keep it a string.
 *
 * go-yaml accepts `2006-1-2T15:4:5.999999999Z07:00` (T or t), `2006-1-2 15:4:5.999999999` (no zone:
 * UTC) and `2006-1-2`. Go's layout `Z07:00` takes `Z` or `±hh:mm`.
 */
export function parseYamlTimestamp(s: string): string | null {
  // go-yaml's quick gate: exactly four leading digits then '-'.
  if (!/^\d{4}-/.test(s)) return null;
  let m: RegExpExecArray | null;
  let zone: string | undefined;
  let y: number, mo: number, d: number, h = 0, mi = 0, se = 0;
  let frac = "";
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    zone = "Z";
  } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s))) {
    [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i])) as [number, number, number, number, number, number];
    frac = m[7] ?? "";
    zone = m[8];
  } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?$/.exec(s))) {
    [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i])) as [number, number, number, number, number, number];
    frac = m[7] ?? "";
    zone = "Z";
  } else {
    return null;
  }
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return null;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > dim) return null;
  if (zone !== "Z") {
    const oh = Number(zone!.slice(1, 3));
    const om = Number(zone!.slice(4, 6));
    if (oh > 23 || om > 59) return null;
  }
  const p2 = (n: number) => String(n).padStart(2, "0");
  const fr = frac.replace(/0+$/, "");
  return `${String(y).padStart(4, "0")}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(se)}${fr ? "." + fr : ""}${zone === "+00:00" ? "+00:00" : zone}`;
}

/**
 * Re-formats an RFC 3339 time as Go's `time.Format(time.RFC3339)` after UTC conversion: this is the
 * AAD sops uses for the MAC (`lastmodified`), seconds precision, `Z` suffix.
 */
export function formatRfc3339Utc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
