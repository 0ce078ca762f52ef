/**
 * zod schemas of Vault's audit entries, for reading a log back (access-reader.ts) and for tests.
 *
 * Field names and nesting are Vault's `audit/types.go` (`entry`, `request`, `response`, `auth`,
 * `policyResults`, `policyInfo`, `secret`, `responseWrapInfo`, `namespace`). Every field is
 * optional because Vault marks every one `omitempty`; objects are loose because Vault adds fields
 * from version to version (`client_id`, `mount_class`, `request_uri`…) and a log written by Vault
 * itself must still be readable. Values in `data` are whatever JSON Vault wrote (hashed strings,
 * plain numbers and booleans).
 */
import { z } from "zod";

const Strings = z.array(z.string());

export const AuditPolicyInfoSchema = z.looseObject({
  name: z.string().optional(),
  namespace_id: z.string().optional(),
  namespace_path: z.string().optional(),
  type: z.string(),
});

export const AuditAuthSchema = z.looseObject({
  accessor: z.string().optional(),
  client_token: z.string().optional(),
  display_name: z.string().optional(),
  entity_created: z.boolean().optional(),
  entity_id: z.string().optional(),
  external_namespace_policies: z.record(z.string(), Strings).optional(),
  identity_policies: Strings.optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  no_default_policy: z.boolean().optional(),
  num_uses: z.number().optional(),
  policies: Strings.optional(),
  policy_results: z.looseObject({ allowed: z.boolean(), granting_policies: z.array(AuditPolicyInfoSchema).optional() }).optional(),
  remaining_uses: z.number().optional(),
  token_policies: Strings.optional(),
  token_issue_time: z.string().optional(),
  token_ttl: z.number().optional(),
  token_type: z.string().optional(),
});

const DataSchema = z.record(z.string(), z.unknown()).nullable().optional();
const HeadersSchema = z.record(z.string(), Strings).optional();

/** The mount fields request and response share (the running version is named differently in each, as in types.go). */
const mountFields = {
  mount_accessor: z.string().optional(),
  mount_class: z.string().optional(),
  mount_is_external_plugin: z.boolean().optional(),
  mount_point: z.string().optional(),
  mount_running_sha256: z.string().optional(),
  mount_type: z.string().optional(),
};

export const AuditRequestSchema = z.looseObject({
  client_certificate_serial_number: z.string().optional(),
  client_id: z.string().optional(),
  client_token: z.string().optional(),
  client_token_accessor: z.string().optional(),
  data: DataSchema,
  headers: HeadersSchema,
  id: z.string().optional(),
  ...mountFields,
  mount_running_version: z.string().optional(),
  namespace: z.looseObject({ id: z.string().optional(), path: z.string().optional() }).optional(),
  operation: z.string().optional(),
  path: z.string().optional(),
  policy_override: z.boolean().optional(),
  remote_address: z.string().optional(),
  remote_port: z.number().optional(),
  replication_cluster: z.string().optional(),
  request_uri: z.string().optional(),
  wrap_ttl: z.number().optional(),
});

export const AuditResponseSchema = z.looseObject({
  auth: AuditAuthSchema.optional(),
  data: DataSchema,
  headers: HeadersSchema,
  ...mountFields,
  mount_running_plugin_version: z.string().optional(),
  redirect: z.string().optional(),
  secret: z.looseObject({ lease_id: z.string().optional() }).nullable().optional(),
  wrap_info: z
    .looseObject({
      accessor: z.string().optional(),
      creation_path: z.string().optional(),
      creation_time: z.string().optional(),
      token: z.string().optional(),
      ttl: z.number().optional(),
      wrapped_accessor: z.string().optional(),
    })
    .optional(),
  warnings: Strings.nullable().optional(),
});

const entryFields = {
  time: z.string().optional(),
  auth: AuditAuthSchema.optional(),
  error: z.string().optional(),
  forwarded: z.boolean().optional(),
  forwarded_from: z.string().optional(),
  request: AuditRequestSchema.optional(),
};

/** A `"type": "request"` line: written when a request arrives, before it is handled. */
export const AuditRequestEntrySchema = z.looseObject({ ...entryFields, type: z.literal("request") });

/** A `"type": "response"` line: the same request (same `request.id`) with its response. */
export const AuditResponseEntrySchema = z.looseObject({ ...entryFields, response: AuditResponseSchema.optional(), type: z.literal("response") });

/** One line of an audit log. */
export const AuditEntrySchema = z.discriminatedUnion("type", [AuditRequestEntrySchema, AuditResponseEntrySchema]);

export type AuditAuth = z.infer<typeof AuditAuthSchema>;
export type AuditRequest = z.infer<typeof AuditRequestSchema>;
export type AuditResponse = z.infer<typeof AuditResponseSchema>;
export type AuditRequestEntry = z.infer<typeof AuditRequestEntrySchema>;
export type AuditResponseEntry = z.infer<typeof AuditResponseEntrySchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
