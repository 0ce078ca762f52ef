/**
 * `secrets audit --access --path P`: which request paths P selects. P is written as a path of a
 * Vault policy (`path "P" { … }`) and selects what such a rule would cover, decided by the ACL
 * code itself (src/auth/policy), so the filter and the policies can never disagree: the path
 * exactly; with a final `*`, every path starting with what precedes it; `+` for one whole segment
 * (`secret/+/app` is every KV version 2 endpoint of `secret/app`). As for a policy, a list of
 * `secret/metadata/team/` is covered by `secret/metadata/team`. A leading `/` is dropped.
 */
import { compileAcl } from "../auth/policy/acl.js";
import { compilePathRule, RuleError } from "../auth/policy/rules.js";
import { SecretsError } from "../errors.js";

/** The test for request paths; throws a SecretsError `usage` for a path no policy may hold (`+*`, templating). */
export function accessPathFilter(pattern: string): (path: string) => boolean {
  let rule;
  try {
    rule = compilePathRule(pattern, { capabilities: ["list"] });
  } catch (e) {
    if (e instanceof RuleError) throw new SecretsError("usage", `--path: ${e.message}`);
    throw e;
  }
  if (rule.templated) throw new SecretsError("usage", "--path: identity templating ({{…}}) names no request path");
  const acl = compileAcl([{ name: "audit-path-filter", raw: "", paths: [rule] }]);
  return (path) => acl.capabilities(path)[0] !== "deny";
}
