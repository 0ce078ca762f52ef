/**
 * The `random` generator: a new value drawn from the system's CSPRNG. By default Vault's default
 * password policy (src/engines/password.ts: 20 characters of `[a-zA-Z0-9-]`, one of each class);
 * with `length` and/or `alphabet`, that many characters of that alphabet (default letters, digits
 * and `-`), each uniform. Nothing outside the repository holds the value, so `set`, `test` and
 * `finish` have nothing to do.
 */
import { generatePassword, randomChars } from "../../engines/password.js";
import type { RotationGenerator, RotationTarget } from "../generator.js";
import type { RandomGenerator as RandomOptions } from "../schema.js";
import type { z } from "zod";

const DEFAULT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
const DEFAULT_LENGTH = 32;

export function randomValue(options: z.infer<typeof RandomOptions>): string {
  if (options.length === undefined && options.alphabet === undefined) return generatePassword();
  const alphabet = [...new Set(Array.from(options.alphabet ?? DEFAULT_ALPHABET))];
  return randomChars(alphabet, options.length ?? DEFAULT_LENGTH).join("");
}

export function randomGenerator(options: z.infer<typeof RandomOptions>): RotationGenerator {
  return {
    type: "random",
    create(target: RotationTarget) {
      return Promise.resolve(Object.fromEntries(Object.keys(target.current).map((k) => [k, randomValue(options)])));
    },
    set: () => Promise.resolve(),
    test: () => Promise.resolve(),
    finish: () => Promise.resolve(),
  };
}
