/**
 * The engine's admin connection to one configured database: a small `pg` pool (Vault's default of
 * at most 4 connections), opened on first use and kept by the engine until `close()`. Every use
 * goes through `session` or `transaction`, which turn any failure into a sanitized SecretsError
 * (errors.ts), so no `pg` error, and no secret it might quote, leaves this file.
 *
 * `pg` is imported on first use: commands that never touch a database do not load it.
 */
import type { Pool, PoolClient } from "pg";
import { databaseError } from "./errors.js";
import type { ResolvedConnection } from "./connection-url.js";

/** What the engine's SQL runs on: one pooled client at a time. */
export type SqlClient = Pick<PoolClient, "query">;

export class PgAdmin {
  /** The connection's name (its file), for messages. */
  readonly name: string;
  readonly #connection: ResolvedConnection;
  #pool: Promise<Pool> | undefined;

  constructor(name: string, connection: ResolvedConnection) {
    this.name = name;
    this.#connection = connection;
  }

  #getPool(): Promise<Pool> {
    this.#pool ??= import("pg").then((m) => {
      // pg is CommonJS: its API is the default export (Node's ESM interop and esbuild's alike).
      const pool = new m.default.Pool({ ...this.#connection.settings, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle client's error (the server went away) is emitted on the pool; without a listener
      // it would end the process. The next use gets a fresh client and sees the error itself.
      pool.on("error", () => undefined);
      return pool;
    });
    return this.#pool;
  }

  /**
   * Runs `fn` on one client. `what` names the operation in messages; `secrets` are values of the
   * operation (a new password) to redact besides the admin password.
   */
  async session<T>(what: string, fn: (client: SqlClient) => Promise<T>, secrets: readonly string[] = []): Promise<T> {
    const all = [...this.#connection.secrets, ...secrets];
    let client: PoolClient;
    try {
      client = await (await this.#getPool()).connect();
    } catch (e) {
      throw databaseError(this.name, what, e, all);
    }
    let broken = false;
    try {
      return await fn(client);
    } catch (e) {
      // A client whose connection failed must not go back to the pool.
      broken = databaseError(this.name, what, e, all).kind === "engine-unavailable";
      throw databaseError(this.name, what, e, all);
    } finally {
      client.release(broken);
    }
  }

  /** `session` inside BEGIN … COMMIT; anything thrown rolls back. */
  async transaction<T>(what: string, fn: (client: SqlClient) => Promise<T>, secrets: readonly string[] = []): Promise<T> {
    return this.session(
      what,
      async (client) => {
        await client.query("BEGIN");
        try {
          const result = await fn(client);
          await client.query("COMMIT");
          return result;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
      },
      secrets,
    );
  }

  /** Closes the pool (the next use opens another). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await (await pool).end().catch(() => undefined);
  }
}
