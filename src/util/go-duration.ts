/**
 * Go's time.Duration String() of whole seconds with the zero parts dropped, as Vault's
 * sdk/framework humanDuration prints it in its warnings: `1h`, `1h30m`, `1h5s`, `90s` is `1m30s`,
 * `768h`, `0s`. One copy for the token store, JWT logins and leases.
 */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(Math.trunc(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  // Go: "1h0m0s", "2m0s", "5s"; then humanDuration trims "m0s" at the end and "h0m" inside.
  let text = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  const at = text.indexOf("h0m");
  if (at > 0) text = text.slice(0, at + 1) + text.slice(at + 3);
  return sign + text;
}

/** Go's time.Duration String() of whole seconds, untrimmed (`1h0m0s`, `30m0s`, `5s`): what `%q` of a Duration prints (the PKI engine's TTL warning). */
export function goDurationString(seconds: number): string {
  const rest = Math.abs(Math.trunc(seconds));
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  return (seconds < 0 ? "-" : "") + (h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`);
}
