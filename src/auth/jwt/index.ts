/**
 * Vault's JWT auth method (vault-plugin-auth-jwt) as a library: its configuration and roles kept
 * in the repository, a login's JWT verified with `jose` against local public keys, a JWKS URL or
 * an OIDC discovery document, and the token parameters the login yields. The server mounts it at
 * `auth/<path>/` (src/server/mounts/auth-jwt.ts).
 */
export { SUPPORTED_ALGORITHMS, JwtConfigFile, renderJwtConfigJsonSchema } from "./config-schema.js";
export { JwtRoleFile, renderJwtRoleJsonSchema } from "./role-schema.js";
export { checkConfig, checkConfigReachable, configFileText, configFromRequest, configReadData, parseConfigFile, type JwtConfig } from "./config.js";
export { ROLE_FIELDS, ROLE_NAME, checkRole, emptyRole, parseRoleFile, roleFileText, roleFromRequest, roleReadData, type JwtRole } from "./role.js";
export { AUTH_FOLDER, JwtMountFiles } from "./files.js";
export { JwtKeySets, jwtLogin, loginToken, type JwtLogin, type LoginContext, type LoginTokenRequest } from "./login.js";
export { httpGet, type HttpGetter, type HttpGetOptions, type HttpGetResult } from "./http-get.js";
export { ignoredFieldsWarning, rawFields } from "./field-data.js";
