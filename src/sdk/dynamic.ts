/**
 * Dynamic secrets in the SDK (#15): `getDynamic("database/creds/app")` mints a credential with its
 * lease, `renew` and `revoke` act on the lease by its id. Over the files, the repository's engines
 * through the checkout's LeaseManager (src/leases/local.ts: the same engines, records and texts as
 * `secrets creds`); over a server, Vault's `<mount>/creds/<role>` read and `sys/leases/renew`,
 * `sys/leases/revoke` (remote/leases-api.ts). Either way the lease id alone is enough later: it
 * names the engine, the role and the credential.
 *
 * What the caller gets is flat: the credential's fields as the engine names them (`username`,
 * `password`; AWS's `access_key`, `secret_key`, and its `security_token` also as `session_token`),
 * with `lease_id`, `expires_in` (seconds) and `renewable`. Only string fields are kept (`expires_in`
 * says what a `ttl` field would).
 */

/** What every dynamic secret carries besides its fields. */
export interface DynamicLease {
  lease_id: string;
  /** Seconds the credential lives from now (capped at the role's max TTL). */
  expires_in: number;
  renewable: boolean;
}

/** The fields of a PostgreSQL credential (`database/creds/<role>`). */
export type DatabaseCredentialField = "username" | "password";
/** The fields of an AWS credential (`aws/creds/<role>`, `aws/sts/<role>`). */
export type AwsCredentialField = "access_key" | "secret_key" | "session_token";

/**
 * A dynamic secret: `Field` names its string fields (by default a database credential's);
 * `getDynamic<AwsCredentialField>("aws/sts/deploy")` for AWS keys.
 */
export type DynamicSecret<Field extends string = DatabaseCredentialField> = Readonly<Record<Exclude<Field, keyof DynamicLease>, string>> & DynamicLease;

/** A renewal: the lease's new time to live. */
export interface RenewedLease {
  lease_id: string;
  expires_in: number;
  renewable: boolean;
  /** Vault's warnings (the cap at the max TTL). */
  warnings: string[];
}

/** A lease as a back end answers it: Vault's response fields. */
export interface IssuedLease {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: Readonly<Record<string, unknown>>;
  warnings: readonly string[];
}

/** Where the SDK's dynamic secrets come from: the checkout's lease manager, or a server. */
export interface DynamicBackend {
  /** A new credential at `credsPath` (`<mount>/creds/<role>`); `ttl` seconds, 0 for the role's default. */
  issue(credsPath: string, ttl: number): Promise<IssuedLease>;
  /** `increment` seconds from now, 0 for the role's default. */
  renew(leaseId: string, increment: number): Promise<RenewedLease>;
  /** Revokes the lease's credential; success when it is gone already. */
  revoke(leaseId: string): Promise<void>;
  /** Releases what is held open (database pools); usable again after. */
  close(): Promise<void>;
}

/** The flat shape the SDK returns, from Vault's response. */
export function toDynamicSecret<Field extends string>(lease: IssuedLease): DynamicSecret<Field> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(lease.data)) {
    if (typeof v === "string" && k !== "lease_id" && k !== "expires_in" && k !== "renewable") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  if (typeof lease.data.security_token === "string" && out.session_token === undefined) out.session_token = lease.data.security_token;
  out.lease_id = lease.lease_id;
  out.expires_in = lease.lease_duration;
  out.renewable = lease.renewable;
  return out as DynamicSecret<Field>;
}
