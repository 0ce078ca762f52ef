/**
 * The `jwt-key` generator: a new signing key (a private JWK, as JSON, with a fresh `kid`) made by
 * jose. Overlap: the key it replaces is kept under `<key>_previous` beside it, in the same commit
 * (a key this generator adds to the pending values, as the contract allows), so a verifier that trusts both (the current and the previous) accepts tokens signed
 * before the switch until they expire. Nothing outside the repository holds the key.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { RotationGenerator } from "../generator.js";
import type { JwtKeyGenerator as JwtKeyOptions } from "../schema.js";

export async function newSigningKey(alg: string): Promise<string> {
  const { exportJWK, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, alg, kid: randomUUID(), use: "sig" });
}

export function jwtKeyGenerator(options: z.infer<typeof JwtKeyOptions>): RotationGenerator {
  const alg = options.alg ?? "ES256";
  return {
    type: "jwt-key",
    async create(target) {
      const out: Record<string, string> = {};
      for (const [key, current] of Object.entries(target.current)) {
        out[key] = await newSigningKey(alg);
        if (current !== null) out[`${key}_previous`] = current;
      }
      return out;
    },
    set: () => Promise.resolve(),
    test: () => Promise.resolve(),
    finish: () => Promise.resolve(),
  };
}
