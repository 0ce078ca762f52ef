import { describe, expect, it } from "vitest";
import { generatePassword, randomChars, VAULT_DEFAULT_PASSWORD_POLICY } from "../../src/engines/password.js";
import type { DatabaseConnection } from "../../src/engines/postgres/config-files.js";
import { resolveConnection } from "../../src/engines/postgres/connection-url.js";
import { databaseError, isTransient, redactSecrets } from "../../src/engines/postgres/errors.js";
import { expirationText, groupRoleCreationStatements } from "../../src/engines/postgres/login-roles.js";
import { markerText, parseMarker } from "../../src/engines/postgres/marker.js";
import { scramSha256Verifier } from "../../src/engines/postgres/scram.js";
import { DatabaseRoleFile } from "../../src/engines/postgres/schema.js";
import { fillStatement, quoteIdentifier, quoteLiteral } from "../../src/engines/postgres/statements.js";
import { generateUsername, issueTimeOf, sanitizeDisplayName, USERNAME_PATTERN } from "../../src/engines/postgres/username.js";
import { SecretsError } from "../../src/errors.js";

/** The PostgreSQL engine's pure parts: names, passwords, statement filling, URLs, errors. */

describe("usernames (Vault's default template)", () => {
  it("is v-<display 8>-<role 8>-<20 base62>-<unix time>, at most 63 characters", () => {
    const name = generateUsername("token-my-long-ci-name", "readonly-role", 1718000000);
    expect(name).toMatch(/^v-token-my-readonly-[A-Za-z0-9]{20}-1718000000$/);
    expect(issueTimeOf(name)).toBe(1718000000);
    expect(generateUsername("", "a", 1)).toMatch(/^v--a-[A-Za-z0-9]{20}-1$/);
    const longest = generateUsername("x".repeat(50), "y".repeat(50), 9999999999);
    expect(longest.length).toBe(51);
    expect(USERNAME_PATTERN.test(longest)).toBe(true);
  });

  it("replaces what Vault's token store replaces in display names, so no quote reaches a name", () => {
    expect(sanitizeDisplayName(`a"b'c; --d e`)).toBe("a-b-c----d-e");
    expect(generateUsername(`"; DROP ROLE x; --`, "app", 5)).toMatch(/^v----DROP--app-[A-Za-z0-9]{20}-5$/);
    expect(issueTimeOf("v-hand-made")).toBeNull();
  });
});

describe("passwords (Vault's default policy)", () => {
  it("are 20 characters of [a-zA-Z0-9-] with a lower, an upper, a digit and a '-'", () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[A-Za-z0-9-]{20}$/);
      for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /-/]) expect(p).toMatch(re);
    }
    expect(VAULT_DEFAULT_PASSWORD_POLICY.length).toBe(20);
  });

  it("draws characters by rejection sampling: bytes past the last whole multiple of the charset are skipped", () => {
    const charset = Array.from("abc");
    // 255 = 3 × 85, so every byte is taken; with 63 characters, bytes 252..255 are skipped.
    expect(randomChars(charset, 3, () => Uint8Array.from([0, 1, 2, 3, 4]))).toEqual(["a", "b", "c"]);
    const sixtyThree = Array.from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");
    expect(randomChars(sixtyThree, 2, () => Uint8Array.from([252, 253, 254, 255, 63, 1]))).toEqual(["0", "1"]);
  });
});

describe("filling statements", () => {
  const values = { name: `a"b'c`, password: `p'w"\\`, expiration: "2030-01-02 03:04:05+0000" };

  it("quotes each placeholder for where it stands", () => {
    expect(fillStatement(`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, values)).toBe(
      `CREATE ROLE "a""b'c" WITH LOGIN PASSWORD 'p''w"\\' VALID UNTIL '2030-01-02 03:04:05+0000';`,
    );
    expect(fillStatement(`ALTER ROLE {{username}} PASSWORD {{password}}`, values)).toBe(`ALTER ROLE "a""b'c" PASSWORD E'p''w"\\\\'`);
    expect(fillStatement(`SELECT E'{{password}}'`, values)).toBe(`SELECT E'p''w"\\\\'`);
  });

  it("reads a dollar-quoted body as SQL again, and refuses a value holding its closing tag", () => {
    expect(fillStatement(`DO $$ BEGIN EXECUTE format('x %I', '{{name}}'); CREATE ROLE "{{name}}"; END $$;`, values)).toBe(
      `DO $$ BEGIN EXECUTE format('x %I', 'a"b''c'); CREATE ROLE "a""b'c"; END $$;`,
    );
    expect(() => fillStatement(`DO $body$ SELECT '{{name}}' $body$`, { name: "x$body$y" })).toThrow(SecretsError);
    expect(() => fillStatement(`DO $o$ SELECT $i$ {{name}} $i$ $o$`, { name: "x$o$y" })).toThrow("a value holds $o$");
    expect(fillStatement(`SELECT $1, $a$ {{name}} $a$`, { name: "n" })).toBe(`SELECT $1, $a$ "n" $a$`);
  });

  it("leaves comments, unknown placeholders and missing values alone", () => {
    expect(fillStatement(`-- {{name}}\n/* {{password}} /* nested */ */ SELECT '{{other}}', '{{password}}'`, { name: "n" })).toBe(
      `-- {{name}}\n/* {{password}} /* nested */ */ SELECT '{{other}}', '{{password}}'`,
    );
  });

  it("quotes identifiers and literals, and refuses NUL", () => {
    expect(quoteIdentifier(`x"y`)).toBe(`"x""y"`);
    expect(quoteLiteral(`it's`)).toBe(`'it''s'`);
    expect(quoteLiteral(`a\\b`)).toBe(`E'a\\\\b'`);
    expect(() => quoteIdentifier("a\0b")).toThrow(SecretsError);
    expect(() => fillStatement(`'{{password}}'`, { password: "a\0" })).toThrow(SecretsError);
  });

  it("makes the group role's default statements with the group quoted", () => {
    expect(groupRoleCreationStatements(`app"rw`)).toEqual([
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE "app""rw";`,
      `ALTER ROLE "{{name}}" SET role = "app""rw";`,
    ]);
    expect(expirationText(1718000000)).toBe("2024-06-10 06:13:20+0000");
  });
});

describe("role files", () => {
  it("need creation_statements or group_role, take Vault's durations and refuse unknown fields", () => {
    expect(DatabaseRoleFile.safeParse({ db_name: "main" }).success).toBe(false);
    expect(DatabaseRoleFile.safeParse({ db_name: "main", group_role: "g", default_ttl: "1h", max_ttl: 86400 }).success).toBe(true);
    expect(DatabaseRoleFile.safeParse({ db_name: "main", group_role: "g", max_ttl: "soon" }).success).toBe(false);
    expect(DatabaseRoleFile.safeParse({ db_name: "main", group_role: "g", maxttl: "1h" }).success).toBe(false);
    expect(DatabaseRoleFile.safeParse({ db_name: "main", group_role: "g", credential_type: "rsa_private_key" }).success).toBe(false);
    expect(DatabaseRoleFile.safeParse({ db_name: "main", creation_statements: "CREATE ROLE x", username_template: "x" }).success).toBe(false);
  });
});

describe("connection URLs", () => {
  const conn = (url: string, extra: Partial<DatabaseConnection> = {}): DatabaseConnection => ({
    name: "main",
    file: "main.yaml",
    connectionUrl: url,
    username: "admin",
    password: "p@ss:w/rd",
    allowedRoles: [],
    passwordAuthentication: "password",
    maxOpenConnections: 4,
    ...extra,
  });

  it("fills {{username}} and {{password}} and gives pg the parts, never a connection string", () => {
    const r = resolveConnection(conn("postgresql://{{username}}:{{password}}@db.example:6432/app?sslmode=verify-full&connect_timeout=3"));
    expect(r.settings).toMatchObject({ host: "db.example", port: 6432, database: "app", user: "admin", password: "p@ss:w/rd", connectionTimeoutMillis: 3000, application_name: "gitops-secrets", max: 4 });
    expect(r.settings.ssl).toMatchObject({ rejectUnauthorized: true, servername: "db.example" });
    expect(r.secrets).toContain("p@ss:w/rd");
    expect(r.secrets).toContain(encodeURIComponent("p@ss:w/rd"));
    expect(resolveConnection(conn("postgres://u:inline@h/d?sslmode=require")).settings).toMatchObject({ user: "u", password: "inline", ssl: { rejectUnauthorized: false } });
    expect(resolveConnection(conn("postgres://{{username}}@h")).settings).toMatchObject({ database: "admin", port: 5432, ssl: false });
    expect(resolveConnection(conn("postgres://{{username}}@/db?host=/var/run/postgresql")).settings.host).toBe("/var/run/postgresql");
  });

  it("refuses what it cannot honour, naming the part and never quoting the URL", () => {
    const secretUrl = "postgresql://admin:Hunter2-Secret@h/d";
    for (const [url, why] of [
      [`${secretUrl}?sslmode=sometimes`, "sslmode must be"],
      [`${secretUrl}?pass=Hunter2-Secret`, 'parameter "pass" is not supported'],
      ["mysql://admin:Hunter2-Secret@h/d", "the scheme must be"],
      ["not a url Hunter2-Secret", "not a URL"],
    ] as const) {
      let message = "";
      try {
        resolveConnection(conn(url));
      } catch (e) {
        message = (e as SecretsError).message;
      }
      expect(message).toContain(why);
      expect(message).not.toContain("Hunter2");
    }
  });
});

describe("database errors", () => {
  it("redact every secret, keep only message and SQLSTATE, and tell transient failures apart", () => {
    const pgError = Object.assign(new Error('invalid input syntax for type integer: "S3cret-pw"'), { code: "22P02", detail: "S3cret-pw", where: "S3cret-pw" });
    const e = databaseError("main", "creating the login role", pgError, ["S3cret-pw"]);
    expect([e.kind, e.message]).toEqual(["engine-failed", 'database main: creating the login role: invalid input syntax for type integer: "[password]" (SQLSTATE 22P02)']);
    expect(Object.getOwnPropertyDescriptor(e, "cause")).toBeUndefined();

    const refused = databaseError("main", "x", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), []);
    expect([refused.kind, refused.message]).toEqual(["engine-unavailable", "database main: x: could not reach the database: connect ECONNREFUSED 127.0.0.1:1"]);
    expect(isTransient({ code: "57P01" })).toBe(true);
    expect(isTransient({ code: "08006" })).toBe(true);
    expect(isTransient(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransient({ code: "28P01" })).toBe(false);
    expect(redactSecrets("ab abc", ["ab", "abc"])).toBe("[password] [password]");
    const ours = new SecretsError("config", "ours");
    expect(databaseError("main", "x", ours, [])).toBe(ours);
  });
});

describe("markers and SCRAM", () => {
  it("round-trips the role comment and ignores comments that are not ours", () => {
    const m = { lease_id: "database/creds/app/v-x-app-AAAAAAAAAAAAAAAAAAAA-1", db_name: "main" };
    expect(parseMarker(markerText(m))).toEqual(m);
    for (const c of [null, "", "made by hand", "gitops-secrets {", 'gitops-secrets {"lease_id":1}']) expect(parseMarker(c)).toBeNull();
  });

  it("makes PostgreSQL's SCRAM-SHA-256 verifier (RFC 7677: password 'pencil'; its ServerSignature follows from this ServerKey)", () => {
    const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
    expect(scramSha256Verifier("pencil", salt, 4096)).toBe("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  });
});
