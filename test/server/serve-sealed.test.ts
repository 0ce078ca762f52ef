import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, type Served } from "./serve-helpers.js";

/**
 * `secrets serve` with no age identity: sealed. sys/seal-status says so, sys/health answers 503
 * (its default `sealedcode`, http/sys_health.go) without cluster_name/cluster_id (omitempty), and
 * every logical route answers 503 `Vault is sealed` (consts.ErrSealed), before any token check.
 */

const require = createRequire(import.meta.url);
let sb: Sandbox;
let served: Served;

beforeAll(async () => {
  sb = await buildFixture();
  // The identity file is where sops looks by default: point the lookup at an empty place instead.
  served = await startServe(sb, [], { XDG_CONFIG_HOME: sb.path("..", "no-such-config") });
}, 60_000);

afterAll(async () => {
  await served?.stop();
  sb?.cleanup();
});

describe("sealed", () => {
  it("says so on start, in seal-status and in health", async () => {
    expect(served.stderr()).toContain("sealed");
    const status = JSON.parse((await raw("GET", `${served.url}/v1/sys/seal-status`)).body);
    expect(status.sealed).toBe(true);
    expect(status.cluster_name).toBeUndefined();
    const health = await raw("GET", `${served.url}/v1/sys/health`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ initialized: true, sealed: true });
    expect(JSON.parse(health.body).cluster_id).toBeUndefined();
    expect((await raw("GET", `${served.url}/v1/sys/health?sealedcode=200`)).status).toBe(200);
    // sys/leader answers sealed too (http/sys_leader.go: Core.Leader reports no HA before the seal).
    const leader = await raw("GET", `${served.url}/v1/sys/leader`);
    expect([leader.status, JSON.parse(leader.body).ha_enabled]).toEqual([200, false]);
  });

  it("secret routes answer 503 Vault is sealed, with or without a token", async () => {
    for (const headers of [{}, { "X-Vault-Token": served.rootToken! }] as Record<string, string>[]) {
      for (const p of ["secret/data/app", "auth/token/lookup-self", "sys/policy", "sys/capabilities-self"]) {
        const r = await raw("GET", `${served.url}/v1/${p}`, headers);
        expect([r.status, r.body]).toEqual([503, '{"errors":["Vault is sealed"]}\n']);
      }
    }
    const err = await require("node-vault")({ endpoint: served.url, token: served.rootToken })
      .read("secret/data/app")
      .catch((e: Error & { response: { statusCode: number } }) => e);
    expect([err.response.statusCode, err.message]).toEqual([503, "Vault is sealed"]);
  });
});
