import { SecretsError } from "../errors.js";
import { Branch, Comment, SopsFloat, SopsInt, SopsTime, isBranch, isList, type Value } from "../sops/tree.js";

/**
 * `exec-env`'s variables, as sops makes them (cmd/sops/main.go, exec-env): one per top-level key of
 * the file's first document, the key as it is (no UPPER_SNAKE, unlike `secrets run`), comments
 * skipped; a map or list value, or a key containing `=`, is an error naming the key. Values are
 * printed as sops' stores.ValToString does: strings as they are, booleans `true`/`false`, integers in
 * decimal, floats with Go's `%G`, timestamps in RFC 3339.
 */
export function execEnvVariables(branch: Branch | undefined): Map<string, string> {
  const vars = new Map<string, string>();
  for (const item of branch?.items ?? []) {
    if (item instanceof Comment) continue;
    if (isBranch(item.value) || isList(item.value)) {
      throw new SecretsError("generic", `cannot use complex value in environment; offending key ${item.key}`);
    }
    if (item.key.includes("=")) throw new SecretsError("generic", `cannot use keys with '=' in environment: ${item.key}`);
    vars.set(item.key, valToString(item.value));
  }
  return vars;
}

function valToString(v: Value): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof SopsInt) return v.value.toString();
  if (v instanceof SopsFloat) return goFormatG(v.value);
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return "";
}

/** Go's `fmt.Sprintf("%G", f)`: 6 significant digits, trailing zeros dropped, `E±dd` outside [1e-4, 1e6). */
export function goFormatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa, expText] = f.toExponential(5).split("e") as [string, string];
  const exp = Number(expText);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= 6) return `${trim(mantissa)}E${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return trim(f.toFixed(Math.max(0, 5 - exp)));
}
