/**
 * A JWT checked as hashicorp/cap's jwt.Validator.Validate checks it (jwt.go validateAll), in its
 * order and with its messages, for the JWT auth method's login (path_login.go):
 *
 * 1. the signature, by the first key set that verifies it (`error verifying token signature: …`);
 * 2. no claim name that equals a registered one (`iss sub aud exp nbf iat jti`) under Unicode
 *    simple case folding without being it (`ambiguous claim: …`: `ſub` is not `sub`);
 * 3. the header's `alg` among the expected algorithms (`invalid algorithm (alg) header parameter:
 *    token signed with unexpected algorithm`);
 * 4. the registered claims decoded as go-jose's jwt.Claims decodes them (types checked), then
 *    `iss` = the bound issuer, `sub` = the bound subject, `aud` holding a bound audience — each
 *    only when one is bound;
 * 5. times: at least one of `iat`, `nbf`, `exp`; a missing `exp` is the later of `iat`/`nbf` plus
 *    the expiration leeway, a missing `nbf` is `iat` or `exp` minus the not-before leeway (150 s
 *    each when 0; none when negative); then, with the clock skew leeway (60 s when 0, none when
 *    negative), not before `nbf`, not after `exp`, not issued in the future.
 *
 * The error's text is what Vault puts after `error validating token: `.
 */
import type { Claims, KeySet } from "./keys.js";
import { protectedHeader } from "./keys.js";

/** cap/jwt Expected, with durations in seconds. */
export interface Expected {
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly notBeforeLeeway: number;
  readonly expirationLeeway: number;
  readonly clockSkewLeeway: number;
  /** The current time in milliseconds. */
  readonly now: number;
}

/** cap's DefaultLeewaySeconds (nbf/exp when derived) and go-jose's jwt.DefaultLeeway (clock skew), in seconds. */
const DEFAULT_LEEWAY = 150;
const DEFAULT_CLOCK_SKEW = 60;

const REGISTERED = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] as const;

/** A token that does not validate: the message Vault prints after `error validating token: `. */
export class TokenInvalid extends Error {
  override name = "TokenInvalid";
}

/** Go's strings.EqualFold for these ASCII names: ASCII case, plus ſ (U+017F), which folds to s. */
function equalFold(key: string, name: string): boolean {
  // Code points, not UTF-16 units: Go compares runes.
  const chars = Array.from(key);
  if (chars.length !== name.length) return false;
  return chars.every((c, i) => (c === "ſ" ? "s" : c.length === 1 && c >= "A" && c <= "Z" ? c.toLowerCase() : c) === name[i]);
}

/** The registered claims as go-jose's jwt.Claims holds them (numeric dates truncated to integers, 0 for none). */
interface Registered {
  iss: string;
  sub: string;
  jti: string;
  aud: string[];
  exp: number;
  nbf: number;
  iat: number;
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/**
 * json.Unmarshal of the claims into jwt.Claims: keys in the order json.Marshal of the map writes
 * them (sorted); an Audience or NumericDate that does not decode stops at once, a string field of
 * another type is reported after the others decoded (encoding/json's saved UnmarshalTypeError).
 */
function registeredClaims(claims: Claims): Registered {
  const out: Registered = { iss: "", sub: "", jti: "", aud: [], exp: 0, nbf: 0, iat: 0 };
  let typeError: string | undefined;
  for (const name of [...REGISTERED].sort()) {
    if (!Object.hasOwn(claims, name)) continue;
    const v = claims[name];
    if (name === "aud") {
      if (typeof v === "string") out.aud = [v];
      else if (Array.isArray(v) && v.every((a) => typeof a === "string")) out.aud = v;
      else throw new TokenInvalid("go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience");
    } else if (name === "exp" || name === "nbf" || name === "iat") {
      if (v === null) continue;
      if (typeof v !== "number") throw new TokenInvalid("go-jose/go-jose/jwt: expected number value to unmarshal into NumericDate");
      out[name] = Math.trunc(v);
    } else {
      if (v === null) continue;
      if (typeof v === "string") out[name] = v;
      else typeError ??= `json: cannot unmarshal ${goKind(v)} into Go struct field Claims.${name} of type string`;
    }
  }
  if (typeError !== undefined) throw new TokenInvalid(typeError);
  return out;
}

/** A leeway as cap reads it: negative is none, 0 is the default. */
const leeway = (seconds: number, fallback: number): number => (seconds < 0 ? 0 : seconds === 0 ? fallback : seconds);

/** The token's claims when it validates; a TokenInvalid with cap's message otherwise. */
export async function validateToken(token: string, keySets: readonly KeySet[], expected: Expected): Promise<Claims> {
  let claims: Claims | undefined;
  let lastError: unknown;
  for (const keySet of keySets) {
    try {
      claims = await keySet.verifySignature(token);
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (claims === undefined) throw new TokenInvalid(`error verifying token signature: ${lastError instanceof Error ? lastError.message : "no key set"}`);

  for (const key of Object.keys(claims)) {
    const name = REGISTERED.find((n) => n !== key && equalFold(key, n));
    if (name !== undefined) throw new TokenInvalid(`ambiguous claim: key ${JSON.stringify(key)} collides with registered claim ${JSON.stringify(name)} under case folding`);
  }

  const alg = protectedHeader(token).alg;
  const algorithms = expected.algorithms.length ? expected.algorithms : ["RS256"];
  if (typeof alg !== "string" || !algorithms.includes(alg)) throw new TokenInvalid("invalid algorithm (alg) header parameter: token signed with unexpected algorithm");

  const r = registeredClaims(claims);
  if (expected.issuer !== "" && expected.issuer !== r.iss) throw new TokenInvalid("invalid issuer (iss) claim");
  if (expected.subject !== "" && expected.subject !== r.sub) throw new TokenInvalid("invalid subject (sub) claim");
  if (expected.audiences.length > 0 && !expected.audiences.some((a) => r.aud.includes(a))) {
    throw new TokenInvalid("invalid audience (aud) claim: audience claim does not match any expected audience");
  }

  if (r.iat === 0 && r.exp === 0 && r.nbf === 0) throw new TokenInvalid("no issued at (iat), not before (nbf), or expiration time (exp) claims in token");
  if (r.exp === 0) r.exp = Math.max(r.iat, r.nbf) + leeway(expected.expirationLeeway, DEFAULT_LEEWAY);
  if (r.nbf === 0) r.nbf = r.iat !== 0 ? r.iat : r.exp - leeway(expected.notBeforeLeeway, DEFAULT_LEEWAY);
  const skewMs = leeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW) * 1000;
  if (expected.now + skewMs < r.nbf * 1000) throw new TokenInvalid("invalid not before (nbf) claim: token not yet valid");
  if (expected.now - skewMs > r.exp * 1000) throw new TokenInvalid("invalid expiration time (exp) claim: token is expired");
  if (expected.now + skewMs < r.iat * 1000) throw new TokenInvalid("invalid issued at (iat) claim: token issued in the future");
  return claims;
}
