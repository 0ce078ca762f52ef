/**
 * A JWT auth mount's configuration (Vault's `auth/<mount>/config`, vault-plugin-auth-jwt
 * path_config.go): where the signing keys come from, the bound issuer, the default role. Kept in
 * the repository as `.secrets/auth/<mount>/config.yaml` (config-schema.ts), written by hand or by
 * `POST auth/<mount>/config` (a commit).
 *
 * - A write replaces the whole configuration, as Vault's does (fields not sent are cleared), except
 *   `namespace_in_state`, which keeps its value (true for a new configuration).
 * - Exactly one key source: `jwt_validation_pubkeys`, `jwks_url` or `oidc_discovery_url`. A write
 *   through the API also checks that the JWKS URL or the discovery document answers (Vault's
 *   `error checking jwks URL <url>` / `error checking oidc discovery URL`); a file is only checked
 *   when a login needs its keys.
 * - Refused, with a message that says why: `oidc_client_id`/`oidc_client_secret` (the OIDC browser
 *   flow is not served, and the secret would be stored in clear), `jwks_pairs`, `provider_config`.
 */
import { stringify as stringifyYaml } from "yaml";
import { SecretsError } from "../../errors.js";
import { parseYamlConfig } from "../../util/yaml-config.js";
import { JwtConfigFile, SUPPORTED_ALGORITHMS } from "./config-schema.js";
import { boolField, commaStringSliceField, has, lowerCaseStringField, mapField, rawFields, sliceField, stringField, type RawFields } from "./field-data.js";
import type { HttpGetter } from "./http-get.js";
import { caPemParses, oidcDiscoveryKeySet, parsePublicKeyPem, RemoteKeySet } from "./keys.js";

/** The configuration with every field at its value (Vault's jwtConfig, the fields served here). */
export interface JwtConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  oidc_response_mode: string;
  oidc_response_types: string[];
  jwks_url: string;
  jwks_ca_pem: string;
  jwt_validation_pubkeys: string[];
  jwt_supported_algs: string[];
  bound_issuer: string;
  default_role: string;
  namespace_in_state: boolean;
  unsupported_critical_cert_extensions: string[];
}

const usage = (message: string): SecretsError => new SecretsError("usage", message);

/** The configuration a file describes, every absent field at Vault's zero value (`namespace_in_state`: true). */
export function configFromFile(file: JwtConfigFile): JwtConfig {
  return {
    oidc_discovery_url: file.oidc_discovery_url ?? "",
    oidc_discovery_ca_pem: file.oidc_discovery_ca_pem ?? "",
    oidc_response_mode: file.oidc_response_mode ?? "",
    oidc_response_types: [...(file.oidc_response_types ?? [])],
    jwks_url: file.jwks_url ?? "",
    jwks_ca_pem: file.jwks_ca_pem ?? "",
    jwt_validation_pubkeys: [...(file.jwt_validation_pubkeys ?? [])],
    jwt_supported_algs: [...(file.jwt_supported_algs ?? [])],
    bound_issuer: file.bound_issuer ?? "",
    default_role: (file.default_role ?? "").toLowerCase(),
    namespace_in_state: file.namespace_in_state ?? true,
    unsupported_critical_cert_extensions: [...(file.unsupported_critical_cert_extensions ?? [])],
  };
}

/** The checks of pathConfigWrite that need no network, in its order; kind `usage` with Vault's message. */
export function checkConfig(config: JwtConfig): void {
  const sources = [config.oidc_discovery_url !== "", config.jwt_validation_pubkeys.length > 0, config.jwks_url !== ""].filter(Boolean).length;
  if (sources !== 1) throw usage("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
  if (config.jwks_url !== "" && config.jwks_ca_pem !== "" && !caPemParses(config.jwks_ca_pem)) throw usage("error checking jwks_ca_pem");
  for (const pem of config.jwt_validation_pubkeys) {
    try {
      parsePublicKeyPem(pem);
    } catch (e) {
      throw usage(`error parsing public key: ${(e as Error).message}`);
    }
  }
  const unsupported = config.jwt_supported_algs.find((a) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(a));
  if (unsupported !== undefined) throw usage(`invalid jwt_supported_algs: unsupported signing algorithm ${JSON.stringify(unsupported)}`);
  if (!config.oidc_response_types.every((t) => t === "code" || t === "id_token")) {
    throw usage(`invalid response_types [${config.oidc_response_types.join(" ")}]. 'code' and 'id_token' are allowed`);
  }
  switch (config.oidc_response_mode) {
    case "":
    case "query":
      if (config.oidc_response_types.includes("id_token")) throw usage("query response_mode may not be used with an id_token response_type");
      break;
    case "form_post":
      break;
    default:
      throw usage(`invalid response_mode: ${JSON.stringify(config.oidc_response_mode)}`);
  }
}

/** Whether a refused field was given a value (an empty string, list or map is no value). */
function given(raw: RawFields, field: string): boolean {
  if (!has(raw, field)) return false;
  const v = raw[field];
  if (typeof v === "string") return v !== "";
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object" && v !== null) return Object.keys(v).length > 0;
  return true;
}

/**
 * The configuration `POST auth/<mount>/config` asks for (a whole replacement), checked as Vault
 * checks it but for the network. `existing`: the configuration now, or null. Kind `usage` (400)
 * with Vault's message, or ours for what this server refuses.
 */
export function configFromRequest(body: unknown, existing: JwtConfig | null): JwtConfig {
  const raw = rawFields(body);
  if (given(raw, "oidc_client_id") || given(raw, "oidc_client_secret")) {
    throw usage("oidc_client_id and oidc_client_secret are for the OIDC browser login, which this server does not have; JWT login (role_type \"jwt\") needs neither");
  }
  if (given(raw, "jwks_pairs") && sliceField(raw, "jwks_pairs").length > 0) throw usage("jwks_pairs is not supported by this server; use jwks_url");
  if (Object.keys(mapField(raw, "provider_config") ?? {}).length > 0) throw usage("provider_config is not supported by this server");
  const config: JwtConfig = {
    oidc_discovery_url: stringField(raw, "oidc_discovery_url"),
    oidc_discovery_ca_pem: stringField(raw, "oidc_discovery_ca_pem"),
    oidc_response_mode: stringField(raw, "oidc_response_mode"),
    oidc_response_types: commaStringSliceField(raw, "oidc_response_types"),
    jwks_url: stringField(raw, "jwks_url"),
    jwks_ca_pem: stringField(raw, "jwks_ca_pem"),
    jwt_validation_pubkeys: commaStringSliceField(raw, "jwt_validation_pubkeys"),
    jwt_supported_algs: commaStringSliceField(raw, "jwt_supported_algs"),
    bound_issuer: stringField(raw, "bound_issuer"),
    default_role: lowerCaseStringField(raw, "default_role"),
    namespace_in_state: has(raw, "namespace_in_state") ? boolField(raw, "namespace_in_state") : (existing?.namespace_in_state ?? true),
    unsupported_critical_cert_extensions: commaStringSliceField(raw, "unsupported_critical_cert_extensions"),
  };
  checkConfig(config);
  return config;
}

/**
 * pathConfigWrite's network checks: the discovery document answers with the configured issuer
 * (`error checking oidc discovery URL`), or the JWKS URL answers with keys (`error checking jwks
 * URL <url>`). Kind `usage` (400).
 */
export async function checkConfigReachable(config: JwtConfig, get: HttpGetter): Promise<void> {
  if (config.oidc_discovery_url !== "") {
    try {
      await oidcDiscoveryKeySet(config.oidc_discovery_url, config.oidc_discovery_ca_pem, get);
    } catch {
      throw usage("error checking oidc discovery URL");
    }
  } else if (config.jwks_url !== "") {
    try {
      await new RemoteKeySet(config.jwks_url, config.jwks_ca_pem, get).fetchKeys();
    } catch {
      throw usage(`error checking jwks URL ${config.jwks_url}`);
    }
  }
}

/** `GET auth/<mount>/config`'s data (pathConfigRead), every field Vault returns. */
export function configReadData(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: config.oidc_discovery_url,
    oidc_discovery_ca_pem: config.oidc_discovery_ca_pem,
    oidc_client_id: "",
    oidc_response_mode: config.oidc_response_mode,
    oidc_response_types: config.oidc_response_types,
    default_role: config.default_role,
    jwt_validation_pubkeys: config.jwt_validation_pubkeys,
    jwt_supported_algs: config.jwt_supported_algs,
    jwks_url: config.jwks_url,
    jwks_pairs: [],
    jwks_ca_pem: config.jwks_ca_pem,
    bound_issuer: config.bound_issuer,
    provider_config: {},
    namespace_in_state: config.namespace_in_state,
    unsupported_critical_cert_extensions: config.unsupported_critical_cert_extensions,
  };
}

/** The file's text for `config`: a header line, then only the fields that differ from their zero value. */
export function configFileText(config: JwtConfig, mountPoint: string): string {
  const file: JwtConfigFile = {};
  for (const [k, v] of Object.entries(config) as [keyof JwtConfig, JwtConfig[keyof JwtConfig]][]) {
    if (k === "namespace_in_state") {
      if (v === false) file.namespace_in_state = false;
    } else if (Array.isArray(v) ? v.length > 0 : v !== "") {
      (file as Record<string, unknown>)[k] = v;
    }
  }
  return `# ${mountPoint}config: the JWT auth method's configuration (schemas/secrets-jwt-config.schema.json)\n${stringifyYaml(file)}`;
}

/** The configuration in a file's text; kind `config` naming `shown` and the field when it is not YAML, breaks the schema or Vault's rules. */
export function parseConfigFile(text: string, shown: string): JwtConfig {
  const file = parseYamlConfig(JwtConfigFile, text, shown);
  const config = configFromFile(file);
  try {
    checkConfig(config);
  } catch (e) {
    throw new SecretsError("config", `${shown}: ${(e as Error).message}`, { cause: e });
  }
  return config;
}
