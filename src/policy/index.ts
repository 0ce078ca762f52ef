/** `.sops.yaml` handling: discovery, loading, rule choice, the JSON Schema, RE2 patterns, recipients. */
export { CONFIG_FILE_NAME, findConfig, lookupConfig } from "./discover.js";
export { formatPath } from "./config-error.js";
export { loadConfig, parseConfig, type LoadedConfig } from "./load.js";
export type { ConfigPath } from "./positions.js";
export { matchRule, type MatchOptions, type ResolvedRule } from "./match.js";
export { recipientLabel } from "./labels.js";
export { storeIndent } from "./stores.js";
export { DEFAULT_INIT_PATH_REGEX, renderInitialConfig, type InitialConfigOptions } from "./init.js";
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
