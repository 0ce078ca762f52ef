/**
 * The ACL policy endpoints of the system backend, over the repository's policy files
 * (`.secrets/policies/<name>.hcl`, policies.ts), as vault/logical_system.go answers them
 * (policyPaths; handlePoliciesList, handlePoliciesRead, handlePoliciesSet, handlePoliciesDelete;
 * the checks of vault/policy_store.go SetPolicy and DeletePolicy):
 *
 * - `sys/policy` GET or LIST, `sys/policies/acl` LIST: `{keys}` — every policy the repository
 *   has, `default` included, sorted, then `root`; the legacy `sys/policy` also as `policies`.
 * - `sys/policy/:name` and `sys/policies/acl/:name` GET: `{name, rules}` (legacy) or
 *   `{name, policy}`: the stored text, unparsed; 404 `{"errors":[]}` for none. Names are trimmed
 *   and lower-cased, as the policy store does.
 * - PUT/POST (Vault's update; these paths have no existence check, so never `create`): the text
 *   in `policy` (on the legacy path, `rules` when `policy` is empty, with Vault's deprecation
 *   warning), base64-decoded when it decodes, parsed (400 `failed to parse policy: …`), then
 *   written to the policy's file and committed — one commit whose author is the token's display
 *   name and whose message names the policy (commit-config.ts). 204, or 200 with the warning.
 * - DELETE: the file removed in one commit; 204 also when there was none.
 *
 * `root` cannot be written or deleted, `default` cannot be deleted (it can be rewritten: then
 * its file replaces the built-in one). Unlike Vault, a policy's name must also be a file name
 * (policies.ts): other names are refused with 400 rather than stored somewhere a pull request
 * would not see. A write needs `update` on the path, as in Vault (no `sudo`: these are not root
 * paths). The legacy `sys/policy` routes copy `data` to the top level of the body, as Vault does.
 */
import { parsePolicy, policyName, DEFAULT_POLICY_NAME, ROOT_POLICY_NAME, type Operation } from "../../auth/policy/index.js";
import { goStdBase64Decode } from "../../util/go-base64.js";
import { commitConfig } from "../config/commit-config.js";
import { envelope } from "../envelope.js";
import { bodyFields, field, FrameworkString } from "../framework-fields.js";
import type { KvWriteContext } from "../kv/write-context.js";
import type { RepositoryPolicies } from "../policies.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { envelopeJson, injectedEnvelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface PolicyRouteDeps {
  readonly policies: RepositoryPolicies;
  /** The repository's one write context: policy writes are commits in the same queue as KV writes. */
  readonly writes: KvWriteContext;
}

/** vault/policy_store.go immutablePolicies: never written nor deleted through the API. */
const IMMUTABLE = new Set([ROOT_POLICY_NAME, "response-wrapping", "control-group"]);

const RULES_DEPRECATED = "'rules' is deprecated, please use 'policy' instead";

const NO_CONTENT: Reply = { status: 204 };
const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

/** Which of the two route families: the legacy `sys/policy` (top-level copy, `rules`) or `sys/policies/acl`. */
interface Family {
  readonly legacy: boolean;
}

function reply(req: LogicalRequest, family: Family, data: Record<string, unknown> | null, warnings: string[] | null = null): Reply {
  const body = { ...envelope(req.id, SYSTEM_MOUNT_TYPE, data, warnings) };
  return {
    status: 200,
    body: family.legacy ? injectedEnvelopeJson(body) : envelopeJson(body),
    ...(data ? { auditData: data as Reply["auditData"] } : {}),
    ...(warnings ? { warnings } : {}),
  };
}

export function policyRoutes(deps: PolicyRouteDeps): SysRoute[] {
  const legacy: Family = { legacy: true };
  const acl: Family = { legacy: false };
  return [
    { pattern: /^policy\/?$/, handle: (req) => (req.operation === "read" || req.operation === "list" ? listPolicies(deps, req, legacy) : Promise.resolve(unsupported())) },
    { pattern: /^policy\/(.+)$/, handle: (req, m) => onePolicy(deps, req, legacy, m[1]!) },
    { pattern: /^policies\/acl\/?$/, handle: (req) => (req.operation === "list" ? listPolicies(deps, req, acl) : Promise.resolve(unsupported())) },
    { pattern: /^policies\/acl\/(.+)$/, handle: (req, m) => onePolicy(deps, req, acl, m[1]!) },
  ];
}

const ONE_POLICY: Partial<Record<Operation, (deps: PolicyRouteDeps, req: LogicalRequest, family: Family, name: string) => Promise<Reply>>> = {
  read: readPolicy,
  update: writePolicy,
  // A system path has no existence check, so the pipeline never makes a write `create`; taken alike.
  create: writePolicy,
  delete: deletePolicy,
};

function onePolicy(deps: PolicyRouteDeps, req: LogicalRequest, family: Family, name: string): Promise<Reply> {
  const handler = ONE_POLICY[req.operation];
  return handler ? requestErrorsAsResponses(() => handler(deps, req, family, name)) : Promise.resolve(unsupported());
}

/** handlePoliciesList: the repository's policies, then `root` (the root namespace's). */
async function listPolicies(deps: PolicyRouteDeps, req: LogicalRequest, family: Family): Promise<Reply> {
  const keys = [...(await deps.policies.names()), ROOT_POLICY_NAME];
  return reply(req, family, family.legacy ? { keys, policies: keys } : { keys });
}

async function readPolicy(deps: PolicyRouteDeps, req: LogicalRequest, family: Family, raw: string): Promise<Reply> {
  const name = policyName(raw);
  const text = await deps.policies.text(name);
  if (text === null) return errorReply(404);
  return reply(req, family, { name, [family.legacy ? "rules" : "policy"]: text });
}

async function writePolicy(deps: PolicyRouteDeps, req: LogicalRequest, family: Family, raw: string): Promise<Reply> {
  const fields = bodyFields(req.body);
  // FieldData.Validate converts every field of the path's schema before the handler runs.
  let text = field(fields, "policy", FrameworkString, "");
  const rules = family.legacy ? field(fields, "rules", FrameworkString, "") : "";
  const warnings: string[] = [];
  if (text === "" && family.legacy) {
    text = rules;
    warnings.push(RULES_DEPRECATED);
  }
  if (text === "") return errorReply(400, "'policy' parameter not supplied or empty");
  const decoded = goStdBase64Decode(text);
  if (decoded !== null) text = decoded.toString("utf8");
  const name = policyName(raw);
  await parsePolicy(name, text);
  if (name === "") return errorReply(400, "policy name missing");
  if (IMMUTABLE.has(name)) return errorReply(400, `cannot update ${JSON.stringify(name)} policy`);
  const file = storableFile(deps, name);
  if (typeof file !== "string") return file;
  await commitConfig(deps.writes, [file], () => [{ path: file, text }], `write policy ${name}`, req.author);
  return warnings.length ? reply(req, family, null, warnings) : NO_CONTENT;
}

async function deletePolicy(deps: PolicyRouteDeps, req: LogicalRequest, _family: Family, raw: string): Promise<Reply> {
  const name = policyName(raw);
  if (IMMUTABLE.has(name)) return errorReply(400, `cannot delete ${JSON.stringify(name)} policy`);
  if (name === DEFAULT_POLICY_NAME) return errorReply(400, "cannot delete default policy");
  // A name no file can hold names no policy: deleting it, as deleting any missing policy, does nothing.
  const file = deps.policies.repositoryPath(name);
  if (file === undefined) return NO_CONTENT;
  await commitConfig(deps.writes, [file], (current) => (current.get(file) === null ? [] : [{ path: file, text: null }]), `delete policy ${name}`, req.author);
  return NO_CONTENT;
}

/** The policy's file, or the 400 for a name that cannot be one. */
function storableFile(deps: PolicyRouteDeps, name: string): string | Reply {
  const file = deps.policies.repositoryPath(name);
  if (file !== undefined) return file;
  return errorReply(
    400,
    `policy name ${JSON.stringify(name)} cannot be stored: a policy is the file .secrets/policies/NAME.hcl, so NAME must be lower-case letters, digits, '_', '.' and '-' (at most 128), starting with a letter or digit`,
  );
}
