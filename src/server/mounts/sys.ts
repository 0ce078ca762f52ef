/**
 * `sys/health`, `sys/seal-status` and `sys/leader`: the unauthenticated status endpoints. Their
 * bodies are structs, not logical envelopes.
 *
 * - http/sys_health.go (hashicorp/vault): GET and HEAD; status 200 when active, else the code for
 *   the state (501 uninitialized, 503 sealed, 429 standby, 472 DR secondary, 473 performance
 *   standby), each overridable by a query parameter (`activecode`, `sealedcode`, …) parsed with
 *   strconv.Atoi; `standbyok` and `perfstandbyok` with ParseBool; a bad value is 400
 *   `{"errors":[]}` (a HEAD gets the status only). `cluster_name` and `cluster_id` are omitted
 *   while sealed (omitempty). This server is always initialized and never a standby: a single
 *   node whose storage is the checkout.
 * - http/sys_seal.go and api/sys_seal.go SealStatusResponse: GET only (else 405). The seal is the
 *   server's age identity: sealed when it has none. `type` is "shamir" with one key share, what
 *   Vault clients know how to show; `storage_type` "git".
 * - http/sys_leader.go and vault/logical_system.go LeaderResponse / GetLeaderStatus: GET only (else
 *   405 `{"errors":[]}`), sealed or not. This server is one node without HA storage, which Vault
 *   answers as `vault server -dev` does: `core.Leader()` reports HA not enabled before anything
 *   else, so `ha_enabled` and `is_self` are false, the addresses empty and `active_time` Go's zero
 *   time (an `omitempty` struct field is never left out); `last_wal` and the raft indexes are 0 and
 *   left out.
 */
import { parseGoBool } from "../../auth/policy/index.js";
import { errorReply, type Reply } from "../reply.js";
import { structJson } from "../vault-json.js";

export interface SysState {
  readonly sealed: boolean;
  /** This server's version (our release, not a Vault version). */
  readonly version: string;
  readonly clusterName: string;
  readonly clusterId: string;
  /** Unix seconds now. */
  now(): number;
}

const DEFAULT_CODES = { uninitcode: 501, sealedcode: 503, standbycode: 429, activecode: 200, drsecondarycode: 472, performancestandbycode: 473 } as const;

/** strconv.Atoi on the first value; null when the parameter is absent, "bad" when it is no integer. */
function statusCode(query: URLSearchParams, field: string): number | null | "bad" {
  const raw = query.getAll(field);
  if (raw.length === 0) return null;
  if (!/^[+-]?\d+$/.test(raw[0]!)) return "bad";
  return Number(raw[0]);
}

export function handleHealth(state: SysState, method: string, query: URLSearchParams): Reply {
  if (method !== "GET" && method !== "HEAD") return errorReply(405);
  for (const flag of ["standbyok", "perfstandbyok"]) {
    const raw = query.getAll(flag);
    if (raw.length > 0 && parseGoBool(raw[0]!) === undefined) return errorReply(400);
  }
  const codes: Record<string, number> = { ...DEFAULT_CODES };
  for (const field of Object.keys(DEFAULT_CODES)) {
    const code = statusCode(query, field);
    if (code === "bad") return errorReply(400);
    if (code !== null) codes[field] = code;
  }
  const status = state.sealed ? codes.sealedcode! : codes.activecode!;
  // Go's WriteHeader panics outside 100-999 (the client sees the connection close); we say 400.
  if (!Number.isSafeInteger(status) || status < 100 || status > 999) return errorReply(400);
  const body = {
    initialized: true,
    sealed: state.sealed,
    standby: false,
    performance_standby: false,
    replication_performance_mode: "disabled",
    replication_dr_mode: "disabled",
    server_time_utc: state.now(),
    version: state.version,
    cluster_name: state.sealed ? undefined : state.clusterName,
    cluster_id: state.sealed ? undefined : state.clusterId,
  };
  return { status, body: structJson(body) };
}

export function handleSealStatus(state: SysState, method: string): Reply {
  if (method !== "GET") return errorReply(405);
  const body = {
    type: "shamir",
    initialized: true,
    sealed: state.sealed,
    t: 1,
    n: 1,
    progress: 0,
    nonce: "",
    version: state.version,
    build_date: "",
    migration: false,
    cluster_name: state.sealed ? undefined : state.clusterName,
    cluster_id: state.sealed ? undefined : state.clusterId,
    recovery_seal: false,
    storage_type: "git",
  };
  return { status: 200, body: structJson(body) };
}

export function handleLeader(method: string): Reply {
  if (method !== "GET") return errorReply(405);
  const body = {
    ha_enabled: false,
    is_self: false,
    active_time: "0001-01-01T00:00:00Z",
    leader_address: "",
    leader_cluster_address: "",
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  };
  return { status: 200, body: structJson(body) };
}
