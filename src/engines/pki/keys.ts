/**
 * Key pairs for certificates, as Vault's `key_type` and `key_bits` name them (certutil): `rsa`
 * (2048 by default; 2048, 3072, 4096 or 8192), `ec` (256 by default: P-256; 224 is refused here,
 * as WebCrypto has no P-224; 384, 521) and `ed25519` (bits ignored). Keys are made with Node's
 * WebCrypto and leave this file as Vault writes them: an RSA key as PKCS#1 (`RSA PRIVATE KEY`),
 * an EC key as SEC 1 (`EC PRIVATE KEY`), an Ed25519 key as PKCS#8 (`PRIVATE KEY`), or PKCS#8 for
 * every type when `private_key_format` is `pkcs8`.
 */
import { createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import { SecretsError } from "../../errors.js";

export type KeyType = "rsa" | "ec" | "ed25519";

/** OpenSSL's curve names, as Node reports them, by size. */
const CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** A key type and size, checked. */
export interface KeySpec {
  type: KeyType;
  bits: number;
}

/** Vault's certutil.ValidateKeyTypeLength: the size a `key_bits` of 0 means, and the sizes allowed. */
export function keySpec(type: string, bits: number): KeySpec {
  switch (type) {
    case "rsa": {
      const b = bits === 0 ? 2048 : bits;
      if (![2048, 3072, 4096, 8192].includes(b)) throw new SecretsError("usage", `unsupported bit length for RSA key: ${b}`);
      return { type, bits: b };
    }
    case "ec": {
      const b = bits === 0 ? 256 : bits;
      if (![256, 384, 521].includes(b)) throw new SecretsError("usage", `unsupported bit length for EC key: ${b}`);
      return { type, bits: b };
    }
    case "ed25519":
      return { type, bits: 0 };
    default:
      throw new SecretsError("usage", `unknown key type: ${type}`);
  }
}

/** The WebCrypto algorithm that signs with such a key (SHA-256 for RSA, the curve's hash for EC). */
export function signingAlgorithm(spec: KeySpec): RsaHashedImportParams | EcKeyImportParams & EcdsaParams | Algorithm {
  switch (spec.type) {
    case "rsa":
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    case "ec":
      return { name: "ECDSA", namedCurve: `P-${spec.bits}`, hash: spec.bits === 256 ? "SHA-256" : spec.bits === 384 ? "SHA-384" : "SHA-512" };
    case "ed25519":
      return { name: "Ed25519" };
  }
}

function generationAlgorithm(spec: KeySpec): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  if (spec.type === "rsa") return { name: "RSASSA-PKCS1-v1_5", modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  return signingAlgorithm(spec);
}

/** A key pair made for a certificate, with the private key exportable once as PEM. */
export interface GeneratedKey {
  spec: KeySpec;
  keys: CryptoKeyPair;
}

export async function generateKey(spec: KeySpec): Promise<GeneratedKey> {
  const keys = (await webcrypto.subtle.generateKey(generationAlgorithm(spec), true, ["sign", "verify"])) as CryptoKeyPair;
  return { spec, keys };
}

/** Vault's `private_key_type` for a key: `rsa`, `ec`, `ed25519`. */
export type PrivateKeyFormat = "der" | "pem" | "pkcs8";

/**
 * The private key as Vault answers it: PEM of its type's own encoding (PKCS#1, SEC 1; PKCS#8 for
 * Ed25519), or PKCS#8 when `format` is `pkcs8`; `der` gives the same bytes base64-encoded.
 */
export async function exportPrivateKey(key: GeneratedKey, format: PrivateKeyFormat = "pem", encoding: "pem" | "der" = "pem"): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key.keys.privateKey));
  const object = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const type = format === "pkcs8" || key.spec.type === "ed25519" ? "pkcs8" : key.spec.type === "rsa" ? "pkcs1" : "sec1";
  if (encoding === "der") return (object.export({ format: "der", type }) as Buffer).toString("base64");
  return (object.export({ format: "pem", type }) as string).trimEnd();
}

/** The key of a PEM (any of the three encodings) as a signing key, with its type and size. Kind `config` when it is not one. */
export async function importPrivateKey(pem: string): Promise<GeneratedKey> {
  let object;
  try {
    object = createPrivateKey(pem);
  } catch (e) {
    throw new SecretsError("config", "the CA's private key does not parse", { cause: e });
  }
  const spec = specOf(object.asymmetricKeyType, object.asymmetricKeyDetails);
  const pkcs8 = object.export({ format: "der", type: "pkcs8" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, signingAlgorithm(spec), true, ["sign"]);
  const publicDer = createPublicKey(object).export({ format: "der", type: "spki" });
  const publicKey = await webcrypto.subtle.importKey("spki", publicDer, signingAlgorithm(spec), true, ["verify"]);
  return { spec, keys: { privateKey, publicKey } };
}

/** The spec of a key Node parsed; kind `config` for a type or curve certificates here are not made with. */
function specOf(type: string | undefined, details: { modulusLength?: number; namedCurve?: string } | undefined): KeySpec {
  if (type === "rsa" && details?.modulusLength) return { type: "rsa", bits: details.modulusLength };
  if (type === "ed25519") return { type: "ed25519", bits: 0 };
  const bits = type === "ec" && details?.namedCurve ? CURVE_BITS[details.namedCurve] : undefined;
  if (bits !== undefined) return { type: "ec", bits };
  throw new SecretsError("config", `the CA's private key is of a type certificates are not signed with here (${type ?? "unknown"})`);
}

/** The type and size of a public key given as SubjectPublicKeyInfo DER (a CSR's); kind `usage` for one certificates are not made for here. */
export function spkiSpec(spki: ArrayBuffer): KeySpec {
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "rsa") return { type: "rsa", bits: d?.modulusLength ?? 0 };
  if (key.asymmetricKeyType === "ed25519") return { type: "ed25519", bits: 0 };
  const bits = key.asymmetricKeyType === "ec" && d?.namedCurve ? CURVE_BITS[d.namedCurve] : undefined;
  if (bits !== undefined) return { type: "ec", bits };
  throw new SecretsError("usage", `Unknown key type in CSR: ${key.asymmetricKeyType ?? "unknown"}`);
}

/** A key usable with WebCrypto from SubjectPublicKeyInfo DER, to certify. */
export async function importPublicKey(spki: ArrayBuffer): Promise<{ spec: KeySpec; key: CryptoKey }> {
  const spec = spkiSpec(spki);
  return { spec, key: await webcrypto.subtle.importKey("spki", spki, signingAlgorithm(spec), true, ["verify"]) };
}
