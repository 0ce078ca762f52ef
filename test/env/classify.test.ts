import { describe, expect, it } from "vitest";
import { classify, classifyName, classifyValue } from "../../src/dotenv-import/classify.js";

/** Which entries `secrets import` treats as secrets. */

describe("classify", () => {
  it("the issue's .env: exactly the first four are sensitive", () => {
    const env: Array<[string, string, boolean]> = [
      ["DATABASE_URL", "postgresql://user:password@host/db", true],
      ["API_KEY", "sk-1234567890", true],
      ["JWT_SECRET_KEY", "super-secret", true],
      ["SENTRY_DSN", "https://key@sentry.io/project", true],
      ["LOG_LEVEL", "INFO", false],
      ["ENVIRONMENT", "production", false],
      ["WORKERS", "4", false],
    ];
    for (const [k, v, s] of env) expect(classify([k], v).sensitive, k).toBe(s);
  });

  it("by name", () => {
    for (const n of ["STRIPE_SECRET", "GITHUB_TOKEN", "DB_PASSWORD", "DBPASSWORD", "SMTP_PASS", "MYSQL_PWD", "SENTRY_DSN", "AWS_SECRET_ACCESS_KEY", "ENCRYPTION_KEY", "KEY", "clientSecret", "apiKey", "GOOGLE_CREDENTIALS", "PRIVATE_KEY_PATH", "SECRET_KEY_BASE", "PASSWORD_SALT"]) {
      expect(classifyName(n), n).toBeDefined();
    }
    for (const n of ["LOG_LEVEL", "ENVIRONMENT", "WORKERS", "PORT", "HOST", "NODE_ENV", "MONKEY", "KEYBOARD_LAYOUT", "API_URL", "REDIS_HOST", "DEBUG"]) {
      expect(classifyName(n), n).toBeUndefined();
    }
  });

  it("by value", () => {
    const secrets = [
      "postgres://admin:hunter2@db.internal:5432/app",
      "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1",
      "postgres://user:pass@host",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
      "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "AKIAIOSFODNN7EXAMPLE",
      "xoxb-123456789012-abcdefghij",
      "AIzaSyA-1234567890abcdefghijklmnopqrstu",
      "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MEFCQ0RFRkdI",
    ];
    for (const v of secrets) expect(classifyValue(v), v.slice(0, 12)).toBeDefined();
    const plain = ["INFO", "production", "4", "https://api.example.com/v1", "true", "550e8400-e29b-41d4-a716-446655440000", "3f2a9c0e4b1d8f7a6c5e4d3b2a1f0e9d8c7b6a5f", "/var/lib/app", "en_US.UTF-8", "redis://cache:6379/0", "ssh://git@github.com/org/repo.git", "postgres://u:${DB_PASSWORD}@h/db"];
    for (const v of plain) expect(classifyValue(v), v).toBeUndefined();
  });

  it("a nested path is sensitive when any key on it is", () => {
    expect(classify(["credentials", "user"], "app").sensitive).toBe(true);
    expect(classify(["db", "host"], "db.internal").sensitive).toBe(false);
    expect(classify(["db", "port"], undefined).sensitive).toBe(false);
  });

  it("reasons never quote the value", () => {
    for (const [k, v] of [["X", "postgres://u:verysecret@h/db"], ["Y", "sk-verysecret123"], ["TOKEN", "verysecret"]] as const) {
      expect(classify([k], v).reason).not.toContain("verysecret");
    }
  });
});
