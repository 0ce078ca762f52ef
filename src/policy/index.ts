/** `.sops.yaml` handling: discovery, loading, rule choice, the JSON Schema, RE2 patterns, recipients. */
export * from "./config.js";
export { GoRegexpError, compileGoRegexp, goRegexpProblem, translateGoRegexp } from "../util/go-regexp.js";
export { checkRecipient, shortRecipient, splitRecipients, type RecipientCheck, type RecipientKind } from "./recipient.js";
export {
  CreationRuleSchema,
  ENCRYPTION_OPTIONS,
  KeyGroupSchema,
  SopsConfigSchema,
  StoresSchema,
  renderJsonSchema,
  type CreationRule,
  type EncryptionRuleKind,
  type KeyGroup,
  type SopsConfig,
} from "./schema.js";
