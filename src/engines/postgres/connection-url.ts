/**
 * A connection's `connection_url` turned into the settings of a `pg` pool, as Vault's
 * connutil.SQLConnectionProducer reads it: `{{username}}` and `{{password}}` replaced by the file's
 * `username` and `password` (URL-escaped), then `postgres://` / `postgresql://` as libpq reads it.
 *
 * `pg` is given the parts (host, port, user, password…), never a connection string, so no error of
 * its own can quote one; and every value is set, so nothing falls back to `PG*` variables or
 * `~/.pgpass`. Query parameters taken: `sslmode` (`disable`, `allow` and `prefer` connect without
 * TLS — `pg` cannot fall back as libpq does, so `prefer` does not try TLS; `require` encrypts
 * without checking the certificate, as libpq; `verify-ca` checks the chain; `verify-full` the chain
 * and the host name), `sslrootcert` (a PEM file of trusted CAs), `connect_timeout` (seconds,
 * default 10), `application_name` (default `gitops-secrets`, as Vault sets `vault`), and `host` (a
 * host, or a Unix socket folder). Any other parameter is refused rather than ignored.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { SecretsError } from "../../errors.js";
import type { DatabaseConnection } from "./config-files.js";

/** The `pg` pool settings this engine uses (a subset of pg.PoolConfig, so this file needs no `pg` types). */
export interface PgSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl: false | ConnectionOptions;
  connectionTimeoutMillis: number;
  application_name: string;
  max: number;
}

export interface ResolvedConnection {
  settings: PgSettings;
  /** Every form of the admin password that could surface in an error, for errors.ts to redact. */
  secrets: string[];
}

const SUPPORTED = new Set(["sslmode", "sslrootcert", "connect_timeout", "application_name", "host"]);
const DEFAULT_CONNECT_TIMEOUT_S = 10;

function bad(conn: DatabaseConnection, why: string): SecretsError {
  // Never the URL: it may hold the password.
  return new SecretsError("config", `${conn.file}: connection_url: ${why}`);
}

function decode(conn: DatabaseConnection, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(conn, `the ${what} is not valid percent-encoding`);
  }
}

function tlsOptions(conn: DatabaseConnection, mode: string, rootCert: string | null, host: string): false | ConnectionOptions {
  if (mode === "disable" || mode === "allow" || mode === "prefer") return false;
  if (mode !== "require" && mode !== "verify-ca" && mode !== "verify-full") throw bad(conn, "sslmode must be disable, allow, prefer, require, verify-ca or verify-full");
  const options: ConnectionOptions = { servername: host };
  if (rootCert !== null) {
    try {
      options.ca = readFileSync(rootCert, "utf8");
    } catch {
      throw bad(conn, "sslrootcert names a file that cannot be read");
    }
  }
  // libpq's require: encrypted, unverified (unless a root certificate is given, which libpq then verifies as verify-ca).
  if (mode === "require" && rootCert === null) return { ...options, rejectUnauthorized: false };
  if (mode === "verify-ca") return { ...options, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...options, rejectUnauthorized: true };
}

export function resolveConnection(conn: DatabaseConnection): ResolvedConnection {
  const filled = conn.connectionUrl.replaceAll("{{username}}", encodeURIComponent(conn.username)).replaceAll("{{password}}", encodeURIComponent(conn.password));
  let url: URL;
  try {
    // libpq takes an empty host (`postgresql://user@/db?host=/run/postgresql`); WHATWG's URL does not.
    url = new URL(filled.replace(/^(postgres(?:ql)?:\/\/(?:[^/?#@]*@)?)(?=[/?#]|$)/, "$1localhost"));
  } catch {
    throw bad(conn, "not a URL of the form postgresql://{{username}}:{{password}}@host:5432/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw bad(conn, "the scheme must be postgresql:// or postgres://");
  for (const key of url.searchParams.keys()) {
    if (!SUPPORTED.has(key)) throw bad(conn, `parameter ${JSON.stringify(key).slice(0, 40)} is not supported (sslmode, sslrootcert, connect_timeout, application_name, host)`);
  }
  const user = url.username !== "" ? decode(conn, url.username, "user name") : conn.username;
  const password = url.password !== "" ? decode(conn, url.password, "password") : conn.password;
  if (user === "") throw bad(conn, "no user name: put {{username}} in the URL and username in the file");
  const host = url.searchParams.get("host") ?? (url.hostname !== "" ? url.hostname.replace(/^\[|\]$/g, "") : "localhost");
  const port = url.port === "" ? 5432 : Number(url.port);
  const database = url.pathname.length > 1 ? decode(conn, url.pathname.slice(1), "database name") : user;
  const timeoutText = url.searchParams.get("connect_timeout");
  const timeout = timeoutText === null ? DEFAULT_CONNECT_TIMEOUT_S : Number(timeoutText);
  if (!Number.isInteger(timeout) || timeout < 0) throw bad(conn, "connect_timeout must be whole seconds");
  const ssl = tlsOptions(conn, url.searchParams.get("sslmode") ?? "prefer", url.searchParams.get("sslrootcert"), host);
  const secrets = [password, conn.password, encodeURIComponent(password), encodeURIComponent(conn.password), url.password].filter((s) => s !== "");
  return {
    settings: {
      host,
      port,
      database,
      user,
      password,
      ssl,
      // libpq's 0 is "wait for ever"; pg's 0 is the same.
      connectionTimeoutMillis: timeout * 1000,
      application_name: url.searchParams.get("application_name") ?? "gitops-secrets",
      max: conn.maxOpenConnections,
    },
    secrets: [...new Set(secrets)],
  };
}
