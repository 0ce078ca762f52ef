/**
 * Key management: age recipients and identities, wrapping the sops data key, key files, Shamir.
 *
 * Importing this module (or any file in `src/keys`) does not load `age-encryption`: it is imported
 * on first use by post-quantum identities, PQ key generation and wrapping to post-quantum or tag
 * recipients only. Wrapping to and unwrapping an X25519 entry run on node:crypto alone.
 */
export { parseRecipient, parseRecipientList, type ParsedRecipient, type RecipientType } from "./recipients.js";
export { unwrapDataKey, wrapDataKey } from "./wrap.js";
export {
  defaultKeyFilePath,
  describeIdentitySet,
  identitiesFromStrings,
  loadIdentities,
  noKeyError,
  parseIdentityFile,
  type IdentityLoadError,
  type IdentitySet,
  type KnownIdentity,
  type LoadIdentitiesOptions,
} from "./identities.js";
export { appendToKeyFile, formatKeyFileEntry, generateKeyPair, identityToRecipient, type KeyPair } from "./keygen.js";
export { combine, split } from "./shamir.js";
export { createKeySource, ownRecipients } from "./source.js";
export type { AgeIdentity, AgeRecipient, Stanza } from "./age/types.js";
