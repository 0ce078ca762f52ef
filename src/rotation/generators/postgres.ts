/**
 * The `postgres` generator: the password of a PostgreSQL login role, changed through the database
 * engine's connection (`.secrets/engines/<mount>/config/<db_name>.yaml`, its admin; src/engines/postgres/).
 *
 * - `single`: one login role (`username`). `set` changes its password (`ALTER ROLE … PASSWORD`),
 *   so clients holding the old one fail until the commit reaches them: use it where a short gap is
 *   acceptable, or where only one login may exist.
 * - `alternating`: two login roles (`usernames`), members of one group role holding the grants; the
 *   secret's `username` says which is active. `create` picks the other one; `set` gives it a new
 *   password and LOGIN (creating it in `group_role` if it is missing); `test` logs in with it; after
 *   the commit makes it current and the grace period has passed, `finish` sets the previous one
 *   NOLOGIN. Clients with the previous credentials keep working throughout: no downtime.
 *
 * The secret's other keys than `username` are passwords (usually one, `password`). The admin
 * password, the pending password and its SCRAM verifier are redacted from every error (admin.ts).
 */
import type { z } from "zod";
import { SecretsError } from "../../errors.js";
import { generatePassword } from "../../engines/password.js";
import { PgAdmin } from "../../engines/postgres/admin.js";
import { engineFolder, RepositoryDatabaseConfig, type DatabaseConnection } from "../../engines/postgres/config-files.js";
import { resolveConnection } from "../../engines/postgres/connection-url.js";
import { changeLoginPassword } from "../../engines/postgres/login-roles.js";
import { scramSha256Verifier } from "../../engines/postgres/scram.js";
import { quoteIdentifier, quoteLiteral } from "../../engines/postgres/statements.js";
import type { Workspace } from "../../workspace/workspace.js";
import type { RotationGenerator, RotationTarget } from "../generator.js";
import type { PostgresGenerator as PostgresOptions } from "../schema.js";

export interface PostgresGeneratorDeps {
  top: string;
  workspace: Workspace;
  strategy: "single" | "alternating";
  /**
   * `single` only: the statements that change the password (a Vault static role's
   * `rotation_statements`), run by the engine's changeLoginPassword; none: `ALTER ROLE … PASSWORD`.
   */
  statements?: readonly string[];
}

const USERNAME = "username";

function passwordKeys(values: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(values).filter((k) => k !== USERNAME);
}

export function postgresGenerator(options: z.infer<typeof PostgresOptions>, deps: PostgresGeneratorDeps): RotationGenerator {
  const mount = options.mount ?? "database";
  const config = new RepositoryDatabaseConfig({ folder: engineFolder(deps.top, mount), workspace: deps.workspace });
  let admin: { admin: PgAdmin; connection: DatabaseConnection } | undefined;

  const connection = async (): Promise<DatabaseConnection> => {
    const c = await config.connection(options.db_name);
    if (!c) throw new SecretsError("config", `no connection named ${options.db_name} is configured (${mount}/config/${options.db_name})`);
    return c;
  };
  const getAdmin = async () => {
    if (!admin) {
      const c = await connection();
      admin = { admin: new PgAdmin(options.db_name, resolveConnection(c)), connection: c };
    }
    return admin;
  };
  const activeOf = (target: RotationTarget): string | null => {
    const u = target.current[USERNAME];
    return typeof u === "string" && u !== "" ? u : null;
  };
  const sent = (password: string, c: DatabaseConnection) => (c.passwordAuthentication === "scram-sha-256" ? scramSha256Verifier(password) : password);

  return {
    type: "postgres",
    siblings: [USERNAME],
    async validate(target) {
      await connection();
      if (passwordKeys(target.current).length === 0) throw new SecretsError("config", `${target.secret}: the postgres generator rotates a password key, not username`);
      if (deps.strategy === "alternating") {
        const active = activeOf(target);
        if (active !== null && !options.usernames!.includes(active)) {
          throw new SecretsError("config", `${target.secret}: its username is neither of the rule's usernames; set it to one of them first`);
        }
        if (options.usernames![0] === options.usernames![1]) throw new SecretsError("config", `${target.secret}: the alternating strategy needs two different usernames`);
      }
    },
    create(target) {
      let username: string;
      if (deps.strategy === "alternating") {
        const active = activeOf(target);
        username = options.usernames!.find((u) => u !== active) ?? options.usernames![0];
      } else {
        username = options.username!;
      }
      const out: Record<string, string> = { [USERNAME]: username };
      // Every password key gets the same new password: one login role has one password.
      const password = generatePassword();
      for (const k of passwordKeys(target.current)) out[k] = password;
      return Promise.resolve(out);
    },
    async set(_target, pending) {
      const { admin: a, connection: c } = await getAdmin();
      const username = pending[USERNAME]!;
      const password = pending[passwordKeys(pending)[0]!]!;
      if (deps.strategy === "single" && deps.statements?.length) {
        const changed = await changeLoginPassword(a, { username, password, statements: deps.statements, passwordAuthentication: c.passwordAuthentication });
        if (!changed) throw new SecretsError("config", `database ${options.db_name}: there is no login role ${username} to rotate`);
        return;
      }
      const verifier = sent(password, c);
      const role = quoteIdentifier(username);
      await a.transaction(
        "setting the rotated password",
        async (client) => {
          const exists = ((await client.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [username])).rowCount ?? 0) > 0;
          if (exists) {
            await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${quoteLiteral(verifier)}`);
            return;
          }
          if (deps.strategy !== "alternating" || options.group_role === undefined) {
            throw new SecretsError("config", `database ${options.db_name}: there is no login role ${username} to rotate`);
          }
          const group = quoteIdentifier(options.group_role);
          await client.query(`CREATE ROLE ${role} WITH LOGIN PASSWORD ${quoteLiteral(verifier)} IN ROLE ${group}`);
          await client.query(`ALTER ROLE ${role} SET role = ${group}`);
        },
        [password, verifier],
      );
    },
    async test(_target, pending) {
      const { connection: c } = await getAdmin();
      const username = pending[USERNAME]!;
      const password = pending[passwordKeys(pending)[0]!]!;
      const resolved = resolveConnection(c);
      const probe = new PgAdmin(`${options.db_name} (as the rotated login)`, {
        settings: { ...resolved.settings, user: username, password, max: 1 },
        secrets: [...resolved.secrets, password],
      });
      try {
        await probe.session("logging in with the rotated password", (client) => client.query("SELECT 1"), [password]);
      } finally {
        await probe.close();
      }
    },
    async finish(target, pending) {
      if (deps.strategy !== "alternating") return;
      const previous = activeOf(target);
      if (previous === null || previous === pending[USERNAME]) return;
      const { admin: a } = await getAdmin();
      await a.session("disabling the previous login", async (client) => {
        const exists = ((await client.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [previous])).rowCount ?? 0) > 0;
        if (exists) await client.query(`ALTER ROLE ${quoteIdentifier(previous)} NOLOGIN`);
      });
    },
    async close() {
      const held = admin;
      admin = undefined;
      await held?.admin.close();
    },
  };
}
