import { parseDurationSeconds } from "../auth/policy/duration.js";
import { SecretsError } from "../errors.js";
import { openLocalLeases } from "../leases/local.js";
import type { LeaseManager } from "../leases/manager.js";
import { cliWorkspace } from "./workspace.js";

/**
 * What `creds` and `lease …` share: the checkout's lease manager (engines from `.secrets/engines/`,
 * records in the state directory), run and closed around one command, and Vault's durations and
 * times as the CLI reads and prints them.
 */
export async function withLeases<T>(stateDir: string | undefined, fn: (manager: LeaseManager) => Promise<T>): Promise<T> {
  const { manager } = await openLocalLeases({ cwd: process.cwd(), workspace: cliWorkspace(), env: process.env, ...(stateDir ? { stateDir } : {}) });
  try {
    return await fn(manager);
  } finally {
    await manager.close();
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A duration option in Vault's syntax (`15m`, `1h`, `3600`), whole seconds, at least 1. */
export function durationOption(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  const parsed = parseDurationSeconds(text);
  if ("error" in parsed) throw new SecretsError("usage", `${flag}: ${parsed.error}`);
  const seconds = Math.floor(parsed.seconds);
  if (seconds <= 0) throw new SecretsError("usage", `${flag}: must be at least one second`);
  return seconds;
}

/** Unix seconds as RFC 3339 in UTC (`2025-06-01T10:00:00Z`); null stays null. */
export function isoTime(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
