import { userInfo } from "node:os";
import type { LeaseManager } from "../leases/manager.js";
import type { Workspace } from "../workspace/workspace.js";
import type { DynamicBackend, IssuedLease, RenewedLease } from "./dynamic.js";

/**
 * The SDK's dynamic secrets over the repository's files: the checkout's LeaseManager
 * (src/leases/local.ts), as `secrets creds` and `secrets lease` use it, so records go to the same
 * state directory (`<git dir>/secrets-server`) and a server or the CLI in this checkout sees them.
 * The manager (and with it `pg`) is loaded on the first dynamic call, never by a client that only
 * reads KV secrets. The display name in the credentials' names is the login name, as the CLI's.
 */

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return "sdk";
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export class LocalDynamic implements DynamicBackend {
  readonly #cwd: string;
  readonly #workspace: Workspace;
  #manager: Promise<LeaseManager> | undefined;

  /** `cwd`: a folder of the checkout (its git top level is found from there). */
  constructor(cwd: string, workspace: Workspace) {
    this.#cwd = cwd;
    this.#workspace = workspace;
  }

  #leases(): Promise<LeaseManager> {
    this.#manager ??= import("../leases/local.js").then(async (m) => (await m.openLocalLeases({ cwd: this.#cwd, workspace: this.#workspace, env: this.#workspace.env })).manager);
    // A failure to open is reported to this call and tried again by the next.
    this.#manager.catch(() => (this.#manager = undefined));
    return this.#manager;
  }

  async issue(credsPath: string, ttl: number): Promise<IssuedLease> {
    return (await this.#leases()).issue(credsPath, { ttl, displayName: loginName(), now: nowSeconds() });
  }

  async renew(leaseId: string, increment: number): Promise<RenewedLease> {
    const r = await (await this.#leases()).renew(leaseId, increment, nowSeconds());
    return { lease_id: r.lease_id, expires_in: r.lease_duration, renewable: r.renewable, warnings: r.warnings };
  }

  async revoke(leaseId: string): Promise<void> {
    await (await this.#leases()).revoke(leaseId, { now: nowSeconds() });
  }

  async close(): Promise<void> {
    const manager = this.#manager;
    this.#manager = undefined;
    if (manager) await (await manager).close();
  }
}
