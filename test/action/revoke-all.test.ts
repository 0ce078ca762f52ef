import { describe, expect, it } from "vitest";
import { revokeAll } from "../../action/src/dynamic.js";

/**
 * The post step's count of what it revoked: AWS STS keys cannot be revoked early (the engine's
 * revoke succeeds with a warning), so they are counted apart and never reported as revoked.
 */
describe("revokeAll (the Action's post step)", () => {
  it("counts failures, and credentials that can only expire, apart from revoked ones", async () => {
    const leases = {
      revoke: (id: string) => {
        if (id.startsWith("database/creds/broken/")) return Promise.reject(new Error("unreachable"));
        return Promise.resolve({ leaseId: id, revoked: true, ...(id.startsWith("aws/") ? { warnings: ["STS credentials cannot be revoked early"] } : {}) });
      },
    };
    expect(await revokeAll(["database/creds/app/v-a", "aws/sts/deploy/1-2-x", "database/creds/broken/v-b", "aws/creds/s/3-4-y"], leases)).toEqual({ failed: 1, expiring: 2 });
    expect(await revokeAll(["database/creds/app/v-c"], leases)).toEqual({ failed: 0, expiring: 0 });
  });
});
