/**
 * The `gitops-secrets` package: the SDK.
 *
 *   import { SecretsClient, getSecret } from "gitops-secrets";
 */
export { SecretsClient, getSecret } from "./sdk/client.js";
export type { MetadataScalar, SecretMetadata, SecretValue, SecretsClientOptions, SecretsClientStats } from "./secrets/types.js";
export { IntegrityError, NoMatchingKey, PermissionDenied, PolicyError, SecretNotFound, SecretPathError, SecretTypeError, ServerUnavailable, type SecretValueType } from "./secrets/errors.js";
export type { AwsCredentialField, DatabaseCredentialField, DynamicLease, DynamicSecret, RenewedLease } from "./sdk/dynamic.js";
export { SecretsError, type ErrorKind } from "./errors.js";
