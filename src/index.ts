/**
 * The `gitops-secrets` package: the SDK.
 *
 *   import { SecretsClient, getSecret } from "gitops-secrets";
 */
export { SecretsClient, ServerNotAvailable, getSecret } from "./sdk/client.js";
export type { MetadataScalar, SecretMetadata, SecretValue, SecretsClientOptions, SecretsClientStats } from "./secrets/types.js";
export { IntegrityError, NoMatchingKey, PolicyError, SecretNotFound, SecretPathError, SecretTypeError, type SecretValueType } from "./secrets/errors.js";
export { SecretsError, type ErrorKind } from "./errors.js";
