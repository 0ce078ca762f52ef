/**
 * The success envelope of a logical response (http/logical.go respondLogical, LogicalResponse in
 * sdk/logical/response.go as `api.Secret` reads it): every field present, in Vault's order, with
 * Go's zero values: `lease_id: ""`, `renewable: false`, `lease_duration: 0`, `wrap_info: null`,
 * `warnings: null` (a nil slice), `auth: null` unless the response issued or renewed a token
 * (auth-block.ts), and `mount_type` the type of the mount that answered.
 */
import { randomUUID } from "node:crypto";
import type { VaultAuthBlock } from "./auth-block.js";

export interface VaultEnvelope<D> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: D;
  wrap_info: null;
  warnings: string[] | null;
  auth: VaultAuthBlock | null;
  mount_type: string;
}

/** A new request id: a UUID, as Vault's `uuid.GenerateUUID` makes them (shared by the two audit lines). */
export function newRequestId(): string {
  return randomUUID();
}

export function envelope<D>(requestId: string, mountType: string, data: D, warnings: string[] | null = null, auth: VaultAuthBlock | null = null): VaultEnvelope<D> {
  return { request_id: requestId, lease_id: "", renewable: false, lease_duration: 0, data, wrap_info: null, warnings, auth, mount_type: mountType };
}
