import { array, boolean, int, looseObject, nullable, optional, record, string, unknown } from "zod/mini";
import type { DynamicBackend, IssuedLease, RenewedLease } from "../dynamic.js";
import { readJsonAnswer, requestJson } from "./json.js";
import type { VaultRequests } from "./vault-requests.js";

/**
 * The SDK's dynamic secrets through a server (`secrets serve`, or a Vault): Vault's API.
 *
 * - issue: `GET /v1/<mount>/creds/<role>` (as `vault read`), with `?ttl=<seconds>` when a TTL is
 *   asked for (engines that take one read it, as Vault's aws/sts; database roles use their
 *   `default_ttl`, as Vault's `database/creds` takes no TTL);
 * - renew: `PUT /v1/sys/leases/renew` `{lease_id, increment}`;
 * - revoke: `PUT /v1/sys/leases/revoke` `{lease_id}` (Vault's `sync` default: done when answered, 204).
 *
 * The token's policies decide, as for any request; an error answer is the SDK's typed error.
 */

/** A leased secret's envelope (`lease_id`, `lease_duration`, `renewable`, `data`, `warnings`). */
const LeaseBody = looseObject({
  lease_id: string(),
  lease_duration: int(),
  renewable: boolean(),
  data: nullable(record(string(), unknown())),
  warnings: optional(nullable(array(string()))),
});

/** A renewal's envelope: the same fields, `data` null. */
const RenewBody = looseObject({
  lease_id: string(),
  lease_duration: int(),
  renewable: boolean(),
  warnings: optional(nullable(array(string()))),
});

export class RemoteLeases implements DynamicBackend {
  readonly #requests: VaultRequests;

  constructor(requests: VaultRequests) {
    this.#requests = requests;
  }

  async issue(credsPath: string, ttl: number): Promise<IssuedLease> {
    const a = await this.#requests.call("GET", credsPath.replace(/^\/+|\/+$/g, ""), undefined, ttl > 0 ? `?ttl=${ttl}` : "");
    if (a.status !== 200) throw this.#requests.error(a);
    const body = this.#requests.parse(LeaseBody, readJsonAnswer(a.body, a.what).plain, a.what);
    return { lease_id: body.lease_id, lease_duration: body.lease_duration, renewable: body.renewable, data: body.data ?? {}, warnings: body.warnings ?? [] };
  }

  async renew(leaseId: string, increment: number): Promise<RenewedLease> {
    const a = await this.#requests.call("PUT", "sys/leases/renew", requestJson({ lease_id: leaseId, increment }));
    if (a.status !== 200) throw this.#requests.error(a);
    const body = this.#requests.parse(RenewBody, readJsonAnswer(a.body, a.what).plain, a.what);
    return { lease_id: body.lease_id, expires_in: body.lease_duration, renewable: body.renewable, warnings: body.warnings ?? [] };
  }

  async revoke(leaseId: string): Promise<void> {
    const a = await this.#requests.call("PUT", "sys/leases/revoke", requestJson({ lease_id: leaseId }));
    if (a.status !== 204 && a.status !== 200 && a.status !== 202) throw this.#requests.error(a);
  }

  close(): Promise<void> {
    // The transport is the client's, closed with it.
    return Promise.resolve();
  }
}
