/**
 * Passwords as Vault's default password policy makes them (internal/helper/random/string_generator.go
 * DefaultStringGenerator, which the database engine uses when a role names no password policy):
 * 20 characters from `[a-zA-Z0-9-]`, with at least one lower case letter, one upper case letter, one
 * digit and one `-`. A candidate that misses a rule is thrown away whole and another drawn, as Vault
 * does (so the characters stay uniform, with no position predictable).
 *
 * Characters are drawn by rejection sampling of random bytes, as Vault's randomRunes: a byte above
 * the largest multiple of the charset's size below 256 is skipped, so no character is more likely.
 * Scheduled rotation (#16) uses the same generator for its `random` default.
 */
import { randomBytes } from "node:crypto";

export interface PasswordRule {
  /** The characters the rule counts. */
  charset: string;
  /** At least this many of them. */
  min: number;
}

export interface PasswordPolicy {
  length: number;
  rules: readonly PasswordRule[];
}

/** Vault's DefaultStringGenerator. */
export const VAULT_DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  length: 20,
  rules: [
    { charset: "abcdefghijklmnopqrstuvwxyz", min: 1 },
    { charset: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min: 1 },
    { charset: "0123456789", min: 1 },
    { charset: "-", min: 1 },
  ],
};

/** The union of the rules' characters, sorted and without repeats (Vault's getChars). */
function charsetOf(policy: PasswordPolicy): string[] {
  return [...new Set(policy.rules.flatMap((r) => Array.from(r.charset)))].sort();
}

function passes(candidate: readonly string[], rule: PasswordRule): boolean {
  let n = 0;
  for (const c of candidate) if (rule.charset.includes(c)) n++;
  return n >= rule.min;
}

/** `length` characters of `charset`, each uniform (rejection sampling, as randomRunes). */
export function randomChars(charset: readonly string[], length: number, random: (n: number) => Uint8Array = randomBytes): string[] {
  if (charset.length === 0 || charset.length > 256) throw new RangeError("a charset has 1 to 256 characters");
  const maxAllowed = Math.floor(256 / charset.length) * charset.length - 1;
  const out: string[] = [];
  while (out.length < length) {
    for (const byte of random(Math.ceil(length * 1.5))) {
      if (byte > maxAllowed) continue;
      out.push(charset[byte % charset.length]!);
      if (out.length === length) break;
    }
  }
  return out;
}

/** A password under `policy` (default: Vault's). Bounded: a policy its rules cannot meet throws. */
export function generatePassword(policy: PasswordPolicy = VAULT_DEFAULT_PASSWORD_POLICY): string {
  const minimum = policy.rules.reduce((sum, r) => sum + r.min, 0);
  if (policy.length < minimum) throw new RangeError(`the rules need at least ${minimum} characters but ${policy.length} are asked for`);
  const charset = charsetOf(policy);
  // Vault loops until a candidate passes, for at most 1 s; the default policy passes ~70% of draws.
  for (let tries = 0; tries < 10_000; tries++) {
    const candidate = randomChars(charset, policy.length);
    if (policy.rules.every((r) => passes(candidate, r))) return candidate.join("");
  }
  throw new RangeError("timed out generating string");
}
