/**
 * Vault ACL policies: parsing (HCL and JSON), compiling a token's policies into one ACL, and the
 * ACL's answers, with Vault's matching rules, messages and statuses.
 */
export { CAPABILITIES, type Capability, type ReportedCapability } from "./capabilities.js";
export { parsePolicy, policyName } from "./parse.js";
export type { Policy, PathRule, PathKind, Permissions } from "./policy.js";
export { compileAcl, type Acl, type AllowOptions, type Decision, type Allowed, type Denied } from "./acl.js";
export { OPERATIONS, operationForHttp, parseGoBool, type Operation, type HttpOperationInput } from "./operation.js";
export { PERMISSION_DENIED, PERMISSION_DENIED_STATUS, PERMISSION_DENIED_ERROR, PERMISSION_DENIED_BODY } from "./denied.js";
export { defaultPolicy, defaultPolicyText, rootPolicy, DEFAULT_POLICY_RULES, DEFAULT_POLICY_NAME, ROOT_POLICY_NAME } from "./builtin.js";
export { PolicyDocumentSchema, renderPolicyJsonSchema } from "./schema.js";
export { parseDurationSeconds } from "./duration.js";
export { POLICY_FOLDER, POLICY_EXTENSION, policyFile, policyOfFile } from "./files.js";
