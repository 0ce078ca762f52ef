/**
 * The success envelope of a logical response (http/logical.go respondLogical, LogicalResponse in
 * sdk/logical/response.go as `api.Secret` reads it): every field present, in Vault's order, with
 * Go's zero values: `lease_id: ""`, `renewable: false`, `lease_duration: 0`, `wrap_info: null`,
 * `warnings: null` (a nil slice), `auth: null` (or the token a login issued, {@link VaultAuth}),
 * and `mount_type` the type of the mount that answered.
 */
import { randomUUID } from "node:crypto";
import type { GoMap } from "../util/go-json.js";

/**
 * The `auth` block of a response that issued a token (sdk/logical translate_response.go HTTPAuth,
 * fields in its order): `token_policies` and `identity_policies` are omitempty (left out when
 * undefined here), `metadata` a Go map (null when nil).
 */
export interface VaultAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies?: string[];
  identity_policies?: string[];
  metadata: GoMap | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

export interface VaultEnvelope<D> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: D;
  wrap_info: null;
  warnings: string[] | null;
  auth: VaultAuth | null;
  mount_type: string;
}

/** A new request id: a UUID, as Vault's `uuid.GenerateUUID` makes them (shared by the two audit lines). */
export function newRequestId(): string {
  return randomUUID();
}

export function envelope<D>(requestId: string, mountType: string, data: D, warnings: string[] | null = null, auth: VaultAuth | null = null): VaultEnvelope<D> {
  return { request_id: requestId, lease_id: "", renewable: false, lease_duration: 0, data, wrap_info: null, warnings, auth, mount_type: mountType };
}
